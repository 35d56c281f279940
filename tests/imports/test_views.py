"""The import pages (template download, upload, job with progress, errors and "good rows") and the
import_workbook command."""

import re
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from custnotes import tasks
from custnotes.importing import OLE_SIGNATURE, run_import
from custnotes.imports_jobs import import_job_run
from custnotes.models import ImportJob
from customers.models import Customer
from tests.customers.factories import TeamFactory
from tests.imports import ledger_counts, rows
from tests.imports.test_import import BAD_ERRORS_ZH, bad_book, clean_book

pytestmark = pytest.mark.django_db

NOTHING = {"customers": 0, "sales": 0, "payments": 0, "allocations": 0, "costs": 0}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def queued(monkeypatch):
    """The ids of the jobs sent to the workers (the test runs them itself)."""
    sent = []
    monkeypatch.setattr(tasks.import_workbook, "delay", lambda job_id: sent.append(job_id))
    return sent


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def download_template(client) -> bytes:
    response = client.get(reverse("import-template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return b"".join(response.streaming_content)


# --- the template -------------------------------------------------------------------------------


def test_the_template(client_for, finance_user, team_east, team_south):
    book = load_workbook(BytesIO(download_template(client_for(finance_user))))

    assert book.sheetnames == [
        "说明 Instructions",
        "客户 Customers",
        "交易 Sales",
        "收款 Payments",
        "成本 Costs",
        "选项 Lists",  # hidden, last
    ]
    assert book["选项 Lists"].sheet_state == "hidden"
    assert book["说明 Instructions"]["A1"].value == "客户管理会计笔记 · 导入模板"
    sheets = {title: list(book[title].iter_rows(values_only=True)) for title in book.sheetnames[1:-1]}
    assert sheets["客户 Customers"][0] == (
        "客户编号 / Customer ID *",
        "名称 / Name *",
        "公司 / Company",
        "联系人 / Contact",
        "电话 / Phone",
        "邮箱 / Email",
        "地址 / Address",
        "行业 / Industry",
        "类型 / Type",
        "团队 / Team",  # optional: the importer's only team, else the default team
        "负责人 / Owner",
        "信用额度 / Credit limit",
        "账期（天） / Payment terms (days)",
        "成长潜力 / Growth potential",
    )
    assert sheets["交易 Sales"][0] == (
        "销售编号 / Sale ID *",
        "客户编号 / Customer ID *",
        "日期 / Date *",
        "产品或服务 / Product or service *",
        "金额 / Amount *",
        "销售成本 / Cost of goods",
        "到期日 / Due date",
        "作废 / Void",
    )
    assert sheets["收款 Payments"][0] == (
        "收款编号 / Payment ID *",
        "客户编号 / Customer ID *",
        "日期 / Date *",
        "金额 / Amount *",
        "支付方式 / Method *",
        "核销销售 / Applies to",
        "类型 / Kind",
        "参考号 / Reference",
    )
    assert sheets["成本 Costs"][0] == (
        "成本编号 / Cost ID *",
        "客户编号 / Customer ID *",
        "日期 / Date *",
        "科目 / Category *",
        "金额 / Amount *",
        "备注 / Note",
    )
    assert [sheet[1][0] for sheet in sheets.values()] == ["示例-C001", "示例-S001", "示例-P001", "示例-K001"]
    assert all(len(sheet) == 2 for sheet in sheets.values())  # the header and one example row

    customers = book["客户 Customers"]
    type_checks = [dv for dv in customers.data_validations.dataValidation if str(dv.sqref) == "I2:I10000"]
    assert len(type_checks) == 1
    check = type_checks[0]
    assert check.type == "list"
    reference = re.fullmatch(r"'选项 Lists'!\$([A-Z]+)\$2:\$\1\$(\d+)", check.formula1)
    assert reference, check.formula1
    letter, last = reference.group(1), int(reference.group(2))
    lists = book["选项 Lists"]
    assert [lists[f"{letter}{n}"].value for n in range(1, last + 1)] == ["类型 / Type", "潜在客户", "新客户", "老客户"]
    team_checks = [dv for dv in customers.data_validations.dataValidation if str(dv.sqref) == "J2:J10000"]
    team_letter = re.match(r"'选项 Lists'!\$([A-Z]+)\$", team_checks[0].formula1).group(1)
    assert {lists[f"{team_letter}{n}"].value for n in (2, 3)} == {"East", "South"}
    method_checks = [dv for dv in book["收款 Payments"].data_validations.dataValidation if str(dv.sqref) == "E2:E10000"]
    assert len(method_checks) == 1


def test_the_untouched_template_imports_nothing_and_reports_nothing(client_for, finance_user, team_east, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(download_template(client_for(finance_user)))
    result = run_import(path, user=finance_user)
    assert rows(result) == []
    assert ledger_counts() == NOTHING


def test_the_untouched_template_where_its_example_team_exists(client_for, finance_user, tmp_path):
    TeamFactory(name="华东销售组")
    path = tmp_path / "template.xlsx"
    path.write_bytes(download_template(client_for(finance_user)))

    result = run_import(path, user=finance_user)

    assert rows(result) == []
    assert result.sheets == ["客户 Customers", "交易 Sales", "收款 Payments", "成本 Costs"]
    assert all(c["created"] + c["updated"] + c["unchanged"] == 0 for c in result.counts.values())
    assert ledger_counts() == NOTHING


# --- the upload and the job ---------------------------------------------------------------------


def upload(client, path, name="book.xlsx"):
    return client.post(reverse("import"), {"file": SimpleUploadedFile(name, path.read_bytes(), content_type=XLSX)})


def test_the_upload_page(client_for, sales_user):
    response = client_for(sales_user).get(reverse("import"))
    assert response.status_code == 200
    assert reverse("import-template") in response.content.decode()


def test_an_upload_becomes_a_job_whose_page_shows_the_counts(
    client_for, finance_user, sales_user, other_sales_user, tmp_path, queued, media
):
    client = client_for(finance_user)
    response = upload(client, clean_book(tmp_path / "book.xlsx"), "客户资料.xlsx")

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import-job", args=[job.pk])
    assert queued == [job.pk]  # sent to the workers with .delay
    assert (job.user, job.original_name, job.status, job.good_rows_only) == (
        finance_user,
        "客户资料.xlsx",
        ImportJob.Status.CHECKING,
        False,
    )
    assert ledger_counts() == NOTHING
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page  # polls while the job runs

    assert import_job_run(job_id=job.pk) == ImportJob.Status.DONE

    job.refresh_from_db()
    assert (job.status, job.progress, job.error_count, job.errors) == (ImportJob.Status.DONE, 100, 0, [])
    assert job.counts == [  # a list: the sheets keep their order on every database
        ["客户 Customers", {"created": 3, "updated": 0, "unchanged": 0, "errors": 0}],
        ["交易 Sales", {"created": 4, "updated": 0, "unchanged": 0, "errors": 0}],
        ["收款 Payments", {"created": 4, "updated": 0, "unchanged": 0, "errors": 0}],
        ["成本 Costs", {"created": 2, "updated": 0, "unchanged": 0, "errors": 0}],
    ]
    assert ledger_counts() == {"customers": 3, "sales": 4, "payments": 4, "allocations": 4, "costs": 2}
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "every 2s" not in page
    assert result_table(page) == [  # in the template's order, named as in the template
        ("客户 Customers", "3", "0", "0", "0"),
        ("交易 Sales", "4", "0", "0", "0"),
        ("收款 Payments", "4", "0", "0", "0"),
        ("成本 Costs", "2", "0", "0", "0"),
    ]
    assert "good-rows" not in page


def result_table(page: str) -> list[tuple]:
    """The job page's counts table: (sheet, created, updated, unchanged, errors) per row."""
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    return [tuple(cells[i : i + 5]) for i in range(0, len(cells), 5)]


def test_the_job_page_lists_the_sheets_in_the_workbooks_order(
    client_for, finance_user, sales_user, other_sales_user, tmp_path, queued, media
):
    client = client_for(finance_user)
    upload(client, clean_book(tmp_path / "book.xlsx"))
    job = ImportJob.objects.get()
    import_job_run(job_id=job.pk)
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert [row[0] for row in result_table(page)] == ["客户 Customers", "交易 Sales", "收款 Payments", "成本 Costs"]


def test_a_bad_file_shows_its_errors_then_imports_the_good_rows(
    client_for, finance_user, sales_user, other_sales_user, tmp_path, queued, media
):
    client = client_for(finance_user)
    upload(client, bad_book(tmp_path / "bad.xlsx"))
    job = ImportJob.objects.get()

    assert import_job_run(job_id=job.pk) == ImportJob.Status.INVALID

    job.refresh_from_db()
    assert job.error_count == len(BAD_ERRORS_ZH)
    assert [tuple(error) for error in job.errors] == BAD_ERRORS_ZH
    assert ledger_counts() == NOTHING
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert 'name="action" value="good-rows"' in page
    for _sheet, row, column, message in BAD_ERRORS_ZH:
        assert f"<td>{row}</td><td>{column}</td><td>{message}</td>" in page

    response = client.post(reverse("import-job", args=[job.pk]), {"action": "good-rows"})

    assert response.status_code == 302
    assert queued == [job.pk, job.pk]
    job.refresh_from_db()
    assert (job.status, job.good_rows_only) == (ImportJob.Status.CHECKING, True)
    # The good rows leave Good Co (credit limit ¥0.00) owing ¥500.00: as on the sale form, the
    # import asks first, writing nothing, and imports once the user confirms.
    assert import_job_run(job_id=job.pk) == ImportJob.Status.WARNED
    job.refresh_from_db()
    assert job.warnings == [
        ["交易 Sales", 2, "金额 / Amount", "这笔销售将使 Good Co 的未收款达到 ¥500.00，超出信用额度 ¥0.00。"]
    ]
    assert ledger_counts() == NOTHING
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert 'name="action" value="confirm"' in page and "Good Co 的未收款达到 ¥500.00" in page

    assert client.post(reverse("import-job", args=[job.pk]), {"action": "confirm"}).status_code == 302
    assert queued == [job.pk, job.pk, job.pk]
    assert import_job_run(job_id=job.pk) == ImportJob.Status.DONE
    job.refresh_from_db()
    assert job.error_count == len(BAD_ERRORS_ZH)
    assert ledger_counts() == {"customers": 1, "sales": 1, "payments": 1, "allocations": 1, "costs": 1}
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "good-rows" not in page and 'value="confirm"' not in page


def test_a_refused_file_shows_the_reason(client_for, finance_user, tmp_path, queued, media):
    client = client_for(finance_user)
    noise = tmp_path / "book.xlsx"
    noise.write_bytes(bytes(range(256)) * 16)
    upload(client, noise, "book.xlsx")
    job = ImportJob.objects.get()
    assert import_job_run(job_id=job.pk) == ImportJob.Status.REFUSED
    job.refresh_from_db()
    assert job.message == "这既不是 Excel 工作簿（.xlsx），也不是 CSV 文件。"
    assert job.message in client.get(reverse("import-job", args=[job.pk])).content.decode()


def test_an_english_users_job_reports_in_english(
    client_for, finance_user, sales_user, other_sales_user, tmp_path, queued, media
):
    client = client_for(finance_user)
    client.cookies["django_language"] = "en"
    upload(client, bad_book(tmp_path / "bad.xlsx"))
    job = ImportJob.objects.get()
    assert job.language == "en"
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.errors[0] == ["客户 Customers", 3, "邮箱 / Email", "“not-an-email”: Enter a valid email address."]


def test_another_users_job_is_not_found(client_for, finance_user, sales_user, tmp_path, queued, media):
    upload(client_for(finance_user), clean_book(tmp_path / "book.xlsx"))
    job = ImportJob.objects.get()
    client = client_for(sales_user)
    assert client.get(reverse("import-job", args=[job.pk])).status_code == 404
    assert client.post(reverse("import-job", args=[job.pk]), {"action": "good-rows"}).status_code == 404
    assert queued == [job.pk]


def test_a_manager_may_not_upload(client_for, manager_user, tmp_path, queued, media):
    client = client_for(manager_user)
    assert client.get(reverse("import")).status_code == 403
    assert upload(client, clean_book(tmp_path / "book.xlsx")).status_code == 403
    assert not ImportJob.objects.exists()


# --- the command --------------------------------------------------------------------------------


def command(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_workbook", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def test_the_command_prints_a_summary(finance_user, sales_user, other_sales_user, tmp_path):
    path = clean_book(tmp_path / "book.xlsx")
    out, err, failure = command(str(path), "--user", "finance")
    assert (err, failure) == ("", None)
    assert out.splitlines() == [
        "customers: created 3, updated 0, unchanged 0, errors 0",
        "sales: created 4, updated 0, unchanged 0, errors 0",
        "payments: created 4, updated 0, unchanged 0, errors 0",
        "costs: created 2, updated 0, unchanged 0, errors 0",
        "imported: 13 records written; 0 errors",
    ]
    out, err, failure = command(str(path), "--user", "finance")
    assert out.splitlines()[0] == "customers: created 0, updated 0, unchanged 3, errors 0"
    assert out.splitlines()[-1] == "imported: 0 records written; 0 errors"
    assert ledger_counts() == {"customers": 3, "sales": 4, "payments": 4, "allocations": 4, "costs": 2}


def test_the_command_fails_on_errors(finance_user, sales_user, other_sales_user, tmp_path):
    out, err, failure = command(str(bad_book(tmp_path / "bad.xlsx")), "--user", "finance")
    assert failure == "17 errors"
    assert err.splitlines() == [
        *(f"{sheet} row {row} [{column}]: {message}" for sheet, row, column, message in BAD_ERRORS_ZH),
        "warning: 交易 Sales row 2 [金额 / Amount]: 这笔销售将使 Good Co 的未收款达到 ¥500.00，超出信用额度 ¥0.00。",
    ]
    assert out.splitlines()[-1] == "nothing imported: 17 errors"
    assert "customers: created 0, updated 0, unchanged 0, errors 7" in out.splitlines()
    assert ledger_counts() == NOTHING

    out, err, failure = command(str(tmp_path / "bad.xlsx"), "--user", "finance", "--good-rows-only")
    assert out.splitlines()[-1] == "nothing imported: 1 warnings to confirm (--confirm)"
    assert ledger_counts() == NOTHING
    out, err, failure = command(str(tmp_path / "bad.xlsx"), "--user", "finance", "--good-rows-only", "--confirm")
    assert failure == "17 errors"  # the good rows are in, and the command still says it was not clean
    assert out.splitlines()[-1] == "imported: 4 records written; 17 errors"
    assert ledger_counts() == {"customers": 1, "sales": 1, "payments": 1, "allocations": 1, "costs": 1}


def test_the_command_dry_run_writes_nothing(finance_user, sales_user, other_sales_user, tmp_path):
    out, err, failure = command(str(clean_book(tmp_path / "book.xlsx")), "--user", "finance", "--dry-run")
    assert (err, failure) == ("", None)
    assert out.splitlines()[-1] == "dry run: nothing written (13 records would be); 0 errors"
    assert "customers: would be created 3, would be updated 0, unchanged 0, errors 0" in out.splitlines()
    assert ledger_counts() == NOTHING
    out, err, failure = command(str(bad_book(tmp_path / "bad.xlsx")), "--user", "finance", "--dry-run")
    assert failure == "17 errors"
    assert ledger_counts() == NOTHING


def test_the_command_refuses_cleanly(finance_user, tmp_path):
    assert (
        command(str(tmp_path / "missing.xlsx"), "--user", "finance")[2] == f"no such file: {tmp_path / 'missing.xlsx'}"
    )
    xls = tmp_path / "old.xls"
    xls.write_bytes(OLE_SIGNATURE + bytes(100))
    assert (
        command(str(xls), "--user", "finance")[2]
        == "这是旧版 Excel 文件（.xls）。请用 Excel 或 WPS 打开并另存为 .xlsx。"
    )
    book = clean_book(tmp_path / "book.xlsx")
    assert command(str(book), "--user", "nobody")[2] == "no active user nobody"
    assert command(str(book))[2] == "no superuser to import as: pass --user"
    assert not Customer.objects.exists()


def test_a_held_jobs_page_costs_the_same_queries_for_3_warnings_as_for_300(client_for, finance_user, count_queries):
    client = client_for(finance_user)

    def page(n):
        warning = ["交易 Sales", 2, "金额 / Amount", "这笔销售将使 X 超出信用额度"]
        job = ImportJob.objects.create(
            user=finance_user, original_name="b.xlsx", status=ImportJob.Status.WARNED, warnings=[warning] * n
        )
        url = reverse("import-job", args=[job.pk])
        assert 'value="confirm"' in client.get(url).content.decode()
        return count_queries(lambda: client.get(url))

    assert page(300) == page(3)
