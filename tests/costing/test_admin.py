"""The admin writes cost entries through the service: its rules are messages on the admin's form."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from costing.models import CostEntry
from tests.costing.factories import category, cost
from tests.transactions.factories import day

pytestmark = pytest.mark.django_db


def form_data(customer, **changes):
    data = {
        "customer": customer.pk,
        "category": category("Repairs").pk,
        "amount": "120.50",
        "date": day(-2).isoformat(),
        "note": "上门维修",
        "external_id": "",
    }
    return {**data, **changes}


def test_an_entry_added_in_the_admin_is_recorded_by_the_service(admin_client, admin_user, east_customer):
    response = admin_client.post(reverse("admin:costing_costentry_add"), form_data(east_customer))
    assert response.status_code == 302
    entry = CostEntry.objects.get()
    assert (entry.amount, entry.created_by, entry.external_id) == (D("120.50"), admin_user, None)


def test_the_services_rules_are_messages_on_the_admins_form(admin_client, east_customer):
    response = admin_client.post(
        reverse("admin:costing_costentry_add"), form_data(east_customer, date=datetime.date(1989, 12, 31).isoformat())
    )
    assert response.status_code == 200  # the form again, with the rule's message, and nothing written
    assert "日期不能早于 1990-01-01。" in response.content.decode()
    assert not CostEntry.objects.exists()


def test_an_entry_changed_in_the_admin_goes_through_the_batch_write(admin_client, east_customer):
    entry = cost(east_customer, "10.00", -3)
    url = reverse("admin:costing_costentry_change", args=[entry.pk])
    response = admin_client.post(url, form_data(east_customer, amount="11.00"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.amount, entry.note) == (D("11.00"), "上门维修")
