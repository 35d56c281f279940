"""The running figures (costing.CustomerFigures): kept by every write inside its transaction, rebuilt
for everyone, read by the profitability report only while they are current, and checked against the
ledger by `manage.py check_figures`."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from costing import selectors, services
from costing.calculations import ProfitAndLoss, t12m_window
from costing.models import CustomerFigures
from custnotes.registry import registry
from customers import services as customer_services
from customers.models import Customer
from tests.customers.factories import CustomerFactory, IndustryFactory, TeamFactory
from transactions import services as ledger

from .factories import campaign, card, cost, day, record_payment, record_sale

pytestmark = pytest.mark.django_db


def stored(customer) -> ProfitAndLoss:
    figures = CustomerFigures.objects.get(pk=customer.pk)
    assert figures.as_of == day(0)
    return ProfitAndLoss(**{name: getattr(figures, name) for name in CustomerFigures.FIGURES})


def source(customer) -> ProfitAndLoss:
    start, end = t12m_window(day(0))
    return selectors.customer_pnl(customer=customer, start=start, end=end)


def test_every_write_keeps_the_figures_of_the_customers_it_touched(east_customer, south_customer, finance_user):
    a, b = east_customer, south_customer
    sale = record_sale(a, "1000.00", -10, cost_of_goods=D("400.00"))
    assert stored(a) == source(a) == ProfitAndLoss(revenue=D("1000.00"), cost_of_goods=D("400.00"))
    record_sale(a, "7777.00", -400)  # before the window: no change
    record_payment(a, "500.00", -5, method=card())  # fee 3.50
    entry = cost(a, "100.00", -3, category_name="Advertising", author=finance_user)
    cost(b, "20.00", -1, category_name="Repairs")
    assert stored(a) == source(a)
    assert (stored(a).payment_fees, stored(a).marketing_cost, stored(b).service_cost) == (
        D("3.50"),
        D("100.00"),
        D("20.00"),
    )
    shared = campaign([a, b], "0.10", day(-4), day(-1))  # 0.05 each
    assert (stored(a).marketing_cost, stored(b).marketing_cost) == (D("100.05"), D("0.05"))
    campaign([b], "0.10", day(-4), day(-1), existing=shared)  # a's old share goes
    assert (stored(a).marketing_cost, stored(b).marketing_cost) == (D("100.00"), D("0.10"))
    services.campaign_delete(campaign=shared)
    services.cost_entry_delete(entry=entry)
    ledger.sale_void(sale=sale, reason="entered twice", user=finance_user)
    assert stored(a) == source(a) == ProfitAndLoss(payment_fees=D("3.50"))
    assert stored(b) == source(b) == ProfitAndLoss(service_cost=D("20.00"))
    assert selectors.figures_drift(as_of=day(0)).count == 0


def test_a_new_customer_has_figures_and_a_rolled_back_write_leaves_none(team_east):
    customer = customer_services.customer_create(data={"name": "New Co", "team": team_east})
    assert stored(customer) == ProfitAndLoss()
    with pytest.raises(RuntimeError), transaction.atomic():
        record_sale(customer, "50.00", -1)
        assert stored(customer).revenue == D("50.00")  # inside the writer's transaction
        raise RuntimeError("the rest of the write failed")
    assert stored(customer) == ProfitAndLoss()


def test_rebuild_writes_everyone_in_chunks(monkeypatch, team_east):
    monkeypatch.setattr(services, "FIGURES_CHUNK", 2)
    customers = [CustomerFactory(team=team_east) for _ in range(5)]  # past the services: no figures
    record_sale(customers[3], "12.34", -2)
    CustomerFigures.objects.all().delete()
    assert not selectors.figures_fresh(as_of=day(0))
    assert services.figures_rebuild() == 5
    assert selectors.figures_fresh(as_of=day(0))
    assert [stored(c).revenue for c in customers] == [D("0.00")] * 3 + [D("12.34"), D("0.00")]


def test_check_figures_reports_drift_and_fix_recomputes(east_customer):
    record_sale(east_customer, "10.00", -1)
    CustomerFigures.objects.filter(pk=east_customer.pk).update(revenue=D("99.00"))  # as a bad manual fix would
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_figures", stdout=out)
    assert f"#{east_customer.pk}" in out.getvalue() and "99.00" in out.getvalue()
    call_command("check_figures", "--fix", stdout=io.StringIO())
    assert stored(east_customer).revenue == D("10.00")
    call_command("check_figures", stdout=io.StringIO())  # agrees now: no error


def test_missing_and_out_of_date_figures_are_drift(east_customer, south_customer):
    record_sale(east_customer, "10.00", -1)
    CustomerFigures.objects.filter(pk=east_customer.pk).update(as_of=day(-1))
    drift = selectors.figures_drift(as_of=day(0))
    assert drift.count == 2  # south has none, east's are yesterday's
    assert any(f"#{south_customer.pk}" in text for text in drift.examples)


def test_the_report_reads_the_figures_only_while_they_are_current(east_customer):
    record_sale(east_customer, "10.00", -1)
    start, end = t12m_window(day(0))
    services.figures_rebuild()
    rows, totals = selectors.profitability(customers=Customer.objects.all(), start=start, end=end)
    assert isinstance(rows, selectors.FiguresRows) and totals.revenue == D("10.00")
    CustomerFigures.objects.update(as_of=day(-1), revenue=D("5.00"))  # yesterday's: the window has moved
    rows, totals = selectors.profitability(customers=Customer.objects.all(), start=start, end=end)
    assert isinstance(rows, selectors.LedgerRows) and rows.figures_stale
    assert totals.revenue == D("10.00") and rows[0:1][0]["revenue"] == D("10.00")
    CustomerFactory(name="Added past the services")  # a customer without figures: not current either
    services.figures_rebuild()
    assert selectors.figures_fresh(as_of=day(0))
    CustomerFactory(name="Another")
    assert not selectors.figures_fresh(as_of=day(0))
    # any other window sums the ledger
    rows, _ = selectors.profitability(customers=Customer.objects.all(), start=day(-30), end=end)
    assert isinstance(rows, selectors.LedgerRows) and not rows.figures_stale


@pytest.fixture
def varied(finance_user):
    """Customers whose figures order differently by every column, with ties, no revenue (no
    margin) and no marketing (no ROI)."""
    teams = [TeamFactory(name=name) for name in ("North", "East")]
    industries = [IndustryFactory(name="制造业"), None]
    made = []
    specs = [
        ("A", "100.00", "60.00", "5.00", "Advertising"),
        ("B", "100.00", None, "0", ""),
        ("C", "0", None, "7.00", "Repairs"),
        ("D", "250.00", "10.00", "9.00", "Advertising"),
        ("E", "0", None, "0", ""),
        ("F", "40.00", "45.00", "3.00", "Repairs"),
    ]
    for i, (name, amount, goods, spent, kind) in enumerate(specs):
        customer = CustomerFactory(name=name, team=teams[i % 2], industry=industries[i % 2])
        if amount != "0":
            record_sale(customer, amount, -3, cost_of_goods=goods and D(goods))
        if spent != "0":
            cost(customer, spent, -2, category_name=kind, author=finance_user)
        made.append(customer)
    record_payment(made[0], "50.00", -1, method=card())
    return made


def test_figures_and_ledger_sort_every_column_alike(varied):
    start, end = t12m_window(day(0))
    ledger_rows, ledger_totals = selectors.profitability(customers=Customer.objects.all(), start=start, end=end)
    services.figures_rebuild()
    figure_rows, figure_totals = selectors.profitability(customers=Customer.objects.all(), start=start, end=end)
    assert isinstance(ledger_rows, selectors.LedgerRows) and isinstance(figure_rows, selectors.FiguresRows)
    assert figure_totals == ledger_totals
    assert list(figure_rows) == list(ledger_rows)
    assert selectors.FiguresRows.COLUMNS.keys() == selectors.LedgerRows.COLUMNS.keys()
    for key in selectors.LedgerRows.COLUMNS:
        for sort in (key, f"-{key}"):
            expected = [row["pk"] for row in ledger_rows.order_by(sort)[0:50]]
            assert [row["pk"] for row in figure_rows.order_by(sort)[0:50]] == expected, sort
            assert [row["pk"] for row in figure_rows.order_by(sort)] == expected, sort  # the export's order
            assert [row["pk"] for row in ledger_rows.order_by(sort)[2:4]] == expected[2:4], sort
    by_margin = [row["margin_pct"] for row in figure_rows.order_by("-margin_pct")]
    assert by_margin[-2:] == [None, None]  # the customers without revenue come last, whichever way
    assert [row["margin_pct"] for row in figure_rows.order_by("margin_pct")][-2:] == [None, None]


def test_a_report_page_from_the_figures_costs_the_same_queries_at_any_size(
    client_for, finance_user, team_east, count_queries
):
    from django.urls import reverse

    client = client_for(finance_user)
    url = reverse("costing:profitability")
    for _ in range(3):
        record_sale(CustomerFactory(team=team_east), "10.00", -1)
    services.figures_rebuild()
    client.get(url)
    three = count_queries(lambda: client.get(url))
    for _ in range(27):
        record_sale(CustomerFactory(team=team_east), "10.00", -1)
    services.figures_rebuild()
    response = client.get(url, {"sort": "-margin_pct"})
    assert isinstance(response.context["table"].data.data, selectors.FiguresRows)
    assert count_queries(lambda: client.get(url)) == three
    assert len(response.context["table"].data) == 30


def test_the_figures_are_a_registered_running_figure_with_a_nightly_rebuild():
    assert "costing figures" in {figures.name for figures in registry.running_figures}
    assert "costing figures" in {listener.name for listener in registry.change_listeners}
    assert "costing.figures_rebuild" in {schedule.task for schedule in registry.schedules}
