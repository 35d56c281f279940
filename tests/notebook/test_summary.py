"""One source of truth: the customer summary of a hand-built portfolio (tests/notebook/conftest.py)
equals the figures worked out by hand, the notebook page's key figures and verdict, and the
profitability and aging reports."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from custnotes.identity import exported_id, own_pk
from custnotes.registry import registry
from custnotes.summary import summary_headers, summary_rows

from .conftest import EXPECTED, SUMMARY_COLUMNS_EN, countback_by_hand, expected_row

pytestmark = pytest.mark.django_db

D = Decimal
NAMES = ("alpha", "beta", "formula")
PNL = {
    "t12m_revenue": "revenue",
    "t12m_gross_margin": "gross_margin",
    "t12m_cost_unknown_revenue": "cost_unknown_revenue",
    "t12m_payment_fees": "payment_fees",
    "t12m_marketing_cost": "marketing_cost",
    "t12m_service_cost": "service_cost",
    "t12m_contribution_profit": "contribution_profit",
}
AGING = ("open_total", "not_due", "d1_30", "d31_60", "d61_90", "over_90")


def test_summary_rows_are_worked_out_by_hand(portfolio):
    rows = summary_rows(customers=portfolio.customers, as_of=portfolio.as_of)
    assert rows == [expected_row(portfolio, name) for name in NAMES]


def test_summary_rows_keep_the_customers_order(portfolio):
    customers = [portfolio.formula, portfolio.alpha]
    rows = summary_rows(customers=customers, as_of=portfolio.as_of)
    assert [row["customer_id"] for row in rows] == [
        exported_id(None, portfolio.formula.pk),
        exported_id(None, portfolio.alpha.pk),
    ]


def test_summary_headers_are_bilingual_and_the_30_columns():
    headers = summary_headers()
    assert [h.split(" / ")[1] for h in headers] == SUMMARY_COLUMNS_EN
    assert headers[0] == "客户编号 / Customer ID"
    assert headers[-1] == "判断 / Verdict"
    # the page-only columns are not exported
    assert len(registry.summary_columns()) == 34
    assert {c.key for c in registry.summary_columns()} - {
        c.key for c in registry.summary_columns(exported_only=True)
    } == {"overdue", "worst_level", "scored_as_of", "scored_at"}


def test_summary_as_of_a_past_date(portfolio):
    """As of 20 days ago: Alpha's sale of -10 d and its receipt of -5 d did not exist yet; the
    first sale (due -170) was open in full, > 90 days; the -50 d sale (due -20) fell due that day;
    the Advertising cost (-30 d) counts, the Repairs one (-15 d) not."""
    as_of = timezone.localdate() - datetime.timedelta(days=20)
    (row,) = summary_rows(customers=[portfolio.alpha], as_of=as_of)
    assert row["t12m_revenue"] == D("1500.00")
    assert row["t12m_purchases"] == 2
    assert row["t12m_gross_margin"] == D("700.00")
    assert row["t12m_payment_fees"] == D("0.00")
    assert row["t12m_contribution_profit"] == D("580.00")  # 700 − 120
    assert {k: row[k] for k in AGING} == {
        "open_total": D("1500.00"),
        "not_due": D("500.00"),  # due on the as-of date itself: not yet past due
        "d1_30": D("0.00"),
        "d31_60": D("0.00"),
        "d61_90": D("0.00"),
        "over_90": D("1000.00"),
    }
    # the countback from that day: the 500.00 sale's month, then back to the 1,000.00 one's, all open
    assert row["dso"] == countback_by_hand([(-180, D("1000.00")), (-30, D("500.00"))], D("1500.00"), as_of)
    # no scoring run on or before that date
    assert row["tier"] is None
    assert row["verdict"] is None


@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_page_shows_the_summary_figures(client_for, sales_user, portfolio, name):
    customer = getattr(portfolio, name)
    response = client_for(sales_user).get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures == expected_row(portfolio, name)
    assert figures == summary_rows(customers=[customer], as_of=portfolio.as_of)[0]
    assert escape(EXPECTED[name]["verdict"]) in response.content.decode()


def test_the_notebook_page_as_of_a_past_date_shows_that_dates_figures(client_for, sales_user, portfolio):
    as_of = timezone.localdate() - datetime.timedelta(days=20)
    url = reverse("customers:detail", args=[portfolio.alpha.pk])
    response = client_for(sales_user).get(url, {"as_of": as_of.isoformat()})
    figures = response.context["figures"]
    assert response.context["as_of"] == as_of
    assert figures["t12m_revenue"] == D("1500.00")
    assert figures["over_90"] == D("1000.00")
    assert figures == summary_rows(customers=[portfolio.alpha], as_of=as_of)[0]


@pytest.mark.parametrize("user", ["sales_user", "finance_user", "manager_user"])
def test_the_profitability_report_shows_the_summary_figures(client_for, request, portfolio, user):
    response = client_for(request.getfixturevalue(user)).get(reverse("costing:profitability"), {"period": "t12m"})
    assert response.status_code == 200
    rows = {row["pk"]: row for row in response.context["table"].data}
    summary = {own_pk(r["customer_id"]): r for r in summary_rows(customers=portfolio.customers, as_of=portfolio.as_of)}
    for name in NAMES:
        customer = getattr(portfolio, name)
        on_report = {key: rows[customer.pk][field] for key, field in PNL.items()}
        assert on_report == {key: EXPECTED[name][key] for key in PNL}
        assert on_report == {key: summary[customer.pk][key] for key in PNL}
    # cost of goods: revenue − gross margin
    assert rows[portfolio.alpha.pk]["cost_of_goods"] == D("900.00")
    assert rows[portfolio.beta.pk]["cost_of_goods"] == D("1500.00")


@pytest.mark.parametrize("user", ["sales_user", "finance_user", "manager_user"])
def test_the_aging_report_shows_the_summary_figures(client_for, request, portfolio, user):
    response = client_for(request.getfixturevalue(user)).get(reverse("transactions:aging"))
    assert response.status_code == 200
    rows = {row["customer_id"]: row for row in response.context["table"].data}
    # only customers with money open are rows of the report
    assert set(rows) == {portfolio.alpha.pk, portfolio.beta.pk}
    summary = {own_pk(r["customer_id"]): r for r in summary_rows(customers=portfolio.customers, as_of=portfolio.as_of)}
    for name in ("alpha", "beta"):
        customer = getattr(portfolio, name)
        on_report = {key: rows[customer.pk][key] for key in AGING}
        assert on_report == {key: EXPECTED[name][key] for key in AGING}
        assert on_report == {key: summary[customer.pk][key] for key in AGING}
    totals = response.context["totals"]
    assert totals["open_total"] == D("3650.00")  # 1,400 + 2,250
    assert totals["over_90"] == D("600.00")
    assert totals["d61_90"] == D("2000.00")


def test_the_aging_report_as_of_a_past_date_matches_the_summary(client_for, finance_user, portfolio):
    as_of = timezone.localdate() - datetime.timedelta(days=20)
    response = client_for(finance_user).get(reverse("transactions:aging"), {"as_of": as_of.isoformat()})
    rows = {row["customer_id"]: row for row in response.context["table"].data}
    (summary,) = summary_rows(customers=[portfolio.alpha], as_of=as_of)
    assert {key: rows[portfolio.alpha.pk][key] for key in AGING} == {key: summary[key] for key in AGING}
    assert rows[portfolio.alpha.pk]["over_90"] == D("1000.00")
