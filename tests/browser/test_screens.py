"""The notebook and the dashboard in a real browser (Debian's chromium driven by Playwright), in
Chinese and English, at desktop and phone widths. Screenshots go to a temporary folder, or to
docs/screenshots/ with CUSTNOTES_SAVE_SCREENSHOTS=1 (how the README's pictures are made)."""

import pytest

from tests.browser import BROWSER_MARKS, WIDTHS, open_page, shots_dir

pytestmark = BROWSER_MARKS


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
