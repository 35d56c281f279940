"""`manage.py bench --quick` works end to end on a tiny seeded set: gunicorn in a child process reaches
the test database, both users log in, the heavy parts run in their own processes, and the JSON has
every part. Timings are not asserted (they depend on the machine), only that each part measured."""

import datetime
import json

import pytest
from django.core.management import call_command

from custnotes import bench


def seed_tiny():
    call_command(
        "seed_demo",
        "--customers",
        "40",
        "--sales",
        "300",
        "--seed",
        "3",
        stdout=open("/dev/null", "w"),  # noqa: SIM115 - the command's report is not under test
    )


# transaction=True: the seeded rows are committed, so gunicorn and the steps' processes see them;
# serialized_rollback: the roles and payment methods the migrations seed come back after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_quick_bench_writes_every_part(tmp_path):
    seed_tiny()
    out = tmp_path / "bench.json"

    with open("/dev/null", "w") as quiet:
        call_command("bench", "--quick", "--json", str(out), "--repeat", "1", "--load-seconds", "1", stdout=quiet)

    report = json.loads(out.read_text())
    assert set(report) >= {"meta", "pages", "rescore", "rescore_lower_bound", "import", "export", "load", "summary"}
    pages = report["pages"]
    assert {page["user"] for page in pages} == {"admin", "sales1"}
    names = {page["name"] for page in pages if page["user"] == "admin"}
    assert {"home", "customers:list", "transactions:sales", "notebook largest", "notebook typical"} <= names
    assert any(name.startswith("customers:list sort=") for name in names)  # the sorts the table offers
    assert "customers:list q" in names  # the search box
    assert all(page["status"] == 200 for page in pages), [p for p in pages if p["status"] != 200]
    # the server's own time and query count came back in the middleware's headers
    assert all(page["queries"] and page["queries"] > 0 for page in pages)
    assert all(page["p95_ms"] is not None for page in pages)
    for part in ("rescore", "rescore_lower_bound", "import", "export"):
        assert "error" not in report[part], report[part]
        assert report[part]["seconds"] >= 0 and report[part]["peak_mb"] > 0
    assert report["rescore"]["customers"] == 40
    assert report["import"]["errors"] == 0
    assert report["export"]["customers"] == 40
    assert [load["name"] for load in report["load"]] == ["notebook", "customer list"]
    assert all(load["requests"] > 0 and load["errors"] == 0 for load in report["load"])


def test_variants_read_the_sorts_and_filters_a_page_offers():
    html = """
    <form method="get"><input type="text" name="q"><select name="status"><option value="">--</option>
    <option value="open">open</option></select><input type="checkbox" name="overdue">
    <input type="date" name="date_from"><input type="hidden" name="sort" value="name"></form>
    <table><th><a href="?sort=name&amp;q=">Name</a></th><th><a href="?sort=-amount">Amount</a></th></table>
    <form method="post"><input name="language"></form>
    """
    found = dict(bench.variants(html, search="上海", today=datetime.date(2025, 3, 31)))
    assert found == {
        "q": {"q": "上海"},
        "sort=name": {"sort": "name"},
        "sort=-name": {"sort": "-name"},
        "sort=amount": {"sort": "amount"},
        "sort=-amount": {"sort": "-amount"},
        "status=open": {"status": "open"},
        "overdue=on": {"overdue": "on"},
        "date_from=2024-12-31": {"date_from": "2024-12-31"},
    }


def test_percentile_is_nearest_rank():
    assert bench.percentile([5, 1, 3, 2, 4], 0.95) == 5
    assert bench.percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert bench.percentile(list(range(1, 101)), 0.95) == 95
