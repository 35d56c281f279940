"""Fixtures of the browser tests: the demo data, then chromium."""

import pytest

from tests.browser import CHROMIUM, demo_customer


@pytest.fixture
def demo(db):
    return demo_customer()


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
