"""The import asks before it takes a customer over its credit limit, as the sale form does: in a real
browser, the warning, then "Import anyway", then the sale in the ledger."""

from decimal import Decimal as D

import pytest
from django.db import connections
from openpyxl import Workbook

from custnotes import tasks
from custnotes.imports_jobs import import_job_run
from tests.browser import BROWSER_MARKS, open_page, shots_dir
from tests.transactions.factories import day
from transactions import selectors
from transactions.models import Sale

pytestmark = BROWSER_MARKS


@pytest.fixture
def jobs_run_inline(monkeypatch, settings, tmp_path):
    """The worker's part, done in the request: the job page then shows the result at once."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(tasks.import_workbook, "delay", lambda job_id: import_job_run(job_id=job_id))


@pytest.fixture
def over_limit_file(demo, tmp_path):
    """A sales sheet taking the demo customer ¥400.00 over its limit. Made before the browser starts:
    database work while Playwright's event loop runs gets a connection of its own."""
    owed = selectors.open_receivables_by_customer(customer_ids=[demo.pk]).get(demo.pk, D("0"))
    demo.credit_limit = owed + D("100.00")
    demo.external_id = "BROWSER-C1"
    demo.save()
    book = Workbook()
    sheet = book.active
    sheet.title = "交易 Sales"
    sheet.append(["销售编号", "客户编号", "日期", "产品或服务", "金额"])
    sheet.append(["BROWSER-S1", "BROWSER-C1", day(-1).isoformat(), "设备", 500])
    path = tmp_path / "over-limit.xlsx"
    book.save(path)
    return path


def test_an_import_over_a_credit_limit_asks_first_then_imports(
    over_limit_file, demo, live_server, browser, tmp_path, jobs_run_inline
):
    try:
        page = open_page(browser, live_server, language="zh-hans", width=1366)
        page.goto(f"{live_server.url}/imports/")
        page.set_input_files("input[type=file]", str(over_limit_file))
        page.get_by_role("button", name="检查并导入").click()
        page.wait_for_selector("#import-warnings")
        warning = page.locator("#import-warnings").inner_text()
        assert demo.name in warning and "超出信用额度" in warning
        assert not Sale.objects.filter(external_id="BROWSER-S1").exists()
        page.screenshot(path=str(shots_dir(tmp_path) / "import-confirm-zh-hans.png"), full_page=True)

        page.get_by_role("button", name="仍然导入").click()
        page.wait_for_selector(".alert-success")
        assert Sale.objects.filter(external_id="BROWSER-S1", customer=demo, amount=D("500.00")).exists()
    finally:
        connections.close_all()  # the checks' own connection (see over_limit_file), or PostgreSQL keeps it
