import pytest
from django.urls import reverse

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/", "/customers/", "/customers/new/", "/customers/1/", "/accounts/password/"],
)
def test_every_page_but_login_requires_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sign_in_and_out(client, team_east):
    make_user("clerk", "Sales", [team_east], password="s3cret-pass-123")
    page = client.get(reverse("login"))
    assert page.status_code == 200
    response = client.post(reverse("login"), {"username": "clerk", "password": "s3cret-pass-123"})
    assert response.status_code == 302
    assert client.get(reverse("customers:list")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("customers:list")).status_code == 302


def test_wrong_password_gets_a_clear_message(client, team_east):
    make_user("clerk", "Sales", [team_east], password="s3cret-pass-123")
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_password_change(client, team_east):
    user = make_user("clerk", "Sales", [team_east], password="s3cret-pass-123")
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "s3cret-pass-123",
            "new_password1": "An0ther-long-pass",
            "new_password2": "An0ther-long-pass",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("An0ther-long-pass")


def test_admin_site_for_admins_only(client, finance_user):
    client.force_login(finance_user)
    assert client.get("/admin/").status_code == 302  # not staff: sent to the admin's login
    admin = make_user("boss", "Admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in (
        "/admin/",
        "/admin/customers/customer/",
        "/admin/customers/industry/",
        "/admin/customers/team/",
        "/admin/customers/note/",
        "/admin/customers/tag/",
        "/admin/django_celery_beat/periodictask/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_favicon_is_there_for_everyone(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")  # no sign-in needed: the login page asks too
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"
    assert finders.find("img/favicon.svg")
    assert '<link rel="icon" href="/static/img/favicon.svg"' in client.get("/accounts/login/").content.decode()
