"""The browser tests' shared parts: Debian's chromium driven by Playwright (never a browser a tool
downloads), the demo data, logging in, where screenshots go."""

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

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = {"desktop": 1366, "phone": 390}


def demo_customer():
    call_command("load_demo", "--if-empty", verbosity=0)
    call_command("rescore", verbosity=0)
    return Customer.objects.filter(sales__isnull=False).distinct().order_by("pk").first()


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
