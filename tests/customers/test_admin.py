"""The admin saves customers through the service (its full_clean and save), as the pages do."""

import pytest
from django.urls import reverse

from customers import services

pytestmark = pytest.mark.django_db


def test_a_customer_changed_in_the_admin_is_saved_by_the_service(admin_client, east_customer, monkeypatch):
    saved = []
    real = services.customer_update
    monkeypatch.setattr(services, "customer_update", lambda **kwargs: saved.append(kwargs) or real(**kwargs))
    url = reverse("admin:customers_customer_change", args=[east_customer.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "name": "East Co (renamed)",
            "tags": [],
            "notes-TOTAL_FORMS": "0",
            "notes-INITIAL_FORMS": "0",
            "notes-MIN_NUM_FORMS": "0",
            "notes-MAX_NUM_FORMS": "1000",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    east_customer.refresh_from_db()
    assert east_customer.name == "East Co (renamed)"
    assert [call["customer"].pk for call in saved] == [east_customer.pk]
