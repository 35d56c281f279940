"""The notebook and the dashboard in a real browser (Debian's chromium driven by Playwright), in
Chinese and English, at desktop and phone widths. Screenshots go to a temporary folder, or to
docs/screenshots/ with CUSTNOTES_SAVE_SCREENSHOTS=1 (how the README's pictures are made)."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from customers.models import Customer

# Playwright's sync API keeps an event loop in this thread; the test's own database work (fixtures,
# teardown) is ordinary synchronous code, which Django then refuses unless told it is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = {"desktop": 1366, "phone": 390}


@pytest.fixture
def demo(db):
    call_command("load_demo", "--if-empty", verbosity=0)
    call_command("rescore", verbosity=0)
    return Customer.objects.filter(sales__isnull=False).distinct().order_by("pk").first()


@pytest.fixture
def browser(demo):
    """Started after the demo data: database work done while Playwright's event loop runs would get
    a connection of its own (Django keys connections by async context) that nobody closes."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


def shots_dir(tmp_path) -> Path:
    if os.environ.get("CUSTNOTES_SAVE_SCREENSHOTS") == "1":
        return ROOT / "docs" / "screenshots"
    return tmp_path


def open_page(browser, live_server, *, language: str, width: int, username: str = "finance"):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "custnotes-demo")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_notebook_and_dashboard(demo, live_server, browser, tmp_path, language, size):
    page = open_page(browser, live_server, language=language, width=WIDTHS[size])
    folder = shots_dir(tmp_path)

    # The dashboard: panels with the user's figures, a chart drawn.
    assert page.locator("#panel-cashflow canvas").count() == 1
    heading = "按月收入与回款" if language == "zh-hans" else "Revenue and collections by month"
    assert page.get_by_text(heading).first.is_visible()
    page.screenshot(path=str(folder / f"dashboard-{language}-{size}.png"), full_page=True)

    # The notebook: the verdict first, then the key figures and the sections in template order.
    page.goto(f"{live_server.url}/customers/{demo.pk}/")
    verdict = page.locator("#verdict")
    assert verdict.is_visible()
    assert " · " in verdict.inner_text()
    order = page.eval_on_selector_all("section.notebook-section", "els => els.map(e => e.id)")
    assert order == ["info", "ledger", "costs", "value", "risk", "notes"]
    label = "应收余额" if language == "zh-hans" else "open receivables"
    assert page.locator(".key-figures").get_by_text(label).first.is_visible()
    # Nothing wider than the screen: phones scroll down, not sideways (tables scroll in their boxes).
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.screenshot(path=str(folder / f"notebook-{language}-{size}.png"), full_page=size == "desktop")


def test_print_stylesheet_hides_the_controls(demo, live_server, browser):
    page = open_page(browser, live_server, language="zh-hans", width=1366)
    page.goto(f"{live_server.url}/customers/{demo.pk}/")
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.get_by_role("button", name="打印").is_visible()
    assert page.locator("#verdict").is_visible()
