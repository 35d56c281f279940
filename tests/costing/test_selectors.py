"""P&L reads against a ledger built by hand: every figure below is worked out in the comments.

The window is March 2025 in the project's time zone (Asia/Shanghai). Sales at 00:00 on 1 March and
1 April lie on the previous day in UTC, so they also check that windows follow local dates.
"""

import datetime
from decimal import Decimal

import pytest

from costing import selectors
from costing.calculations import ProfitAndLoss, t12m_window
from customers.models import Customer
from tests.customers.factories import CustomerFactory
from tests.transactions.factories import cash
from transactions import services as ledger

from .factories import at, campaign, card, cost, day, record_payment, record_sale

pytestmark = pytest.mark.django_db

D = Decimal
MARCH_1, MARCH_31 = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)


def on(month, day_, hour=12):
    return at(datetime.date(2025, month, day_), hour)


@pytest.fixture
def book(east_customer, south_customer, team_east):
    a, b = east_customer, south_customer
    c = CustomerFactory(team=team_east, name="Campaign only")
    d = CustomerFactory(team=team_east, name="Nothing")
    assert a.pk < b.pk < c.pk  # the equal split's extra fen goes to the lowest id

    def record(customer, amount, when, cogs=None):
        """A sale at an exact local time (record_sale puts every sale at noon)."""
        return ledger.sale_record(
            customer=customer,
            occurred_at=when,
            product="货品",
            amount=D(amount),
            cost_of_goods=None if cogs is None else D(cogs),
        )

    # --- A: sales
    record(a, "77.00", on(1, 31, 23))  # January: outside everything but the 4-month series
    record(a, "50.00", on(2, 10), "20.00")  # February
    record(a, "10.00", on(3, 1, 0), "4.00")  # 1 March 00:00 local = 28 Feb 16:00 UTC: March
    record(a, "1200.00", on(3, 5), "700.00")
    void = record(a, "999.99", on(3, 10), "500.00")
    ledger.sale_void(sale=void, reason="录错")  # counts nowhere
    record(a, "345.67", on(3, 20))  # no cost of goods: counts as 0
    record(a, "20.00", on(3, 31, 23))
    record(a, "300.00", on(4, 1, 0), "100.00")  # 1 April 00:00 local = 31 March UTC: April
    record(a, "999.00", on(4, 20))
    # --- A: payments by card, fee = round_half_up(amount × 0.006 + 0.50)
    method = card()
    record_payment(a, "1234.56", datetime.date(2025, 3, 25), method=method)  # 7.40736 + 0.50 → 7.91
    record_payment(a, "100.00", datetime.date(2025, 3, 28), method=method)  # 0.60 + 0.50 → 1.10
    ledger.payment_record(
        customer=a, received_at=on(4, 1, 0), amount=D("10.00"), method=method
    )  # 0.06 + 0.50 → 0.56, in April
    # --- A: costs
    cost(a, "1000.00", datetime.date(2025, 2, 28), category_name="Advertising")
    cost(a, "150.00", datetime.date(2025, 3, 3), category_name="Advertising")
    cost(a, "49.99", datetime.date(2025, 3, 31), category_name="Gifts")
    cost(a, "80.25", datetime.date(2025, 3, 15), category_name="Repairs")
    cost(a, "60.00", datetime.date(2025, 4, 1), category_name="Repairs")
    # --- B
    record(b, "500.00", on(3, 12), "300.00")
    record_payment(b, "500.00", datetime.date(2025, 3, 13), method=cash())  # no fee
    cost(b, "20.00", datetime.date(2025, 3, 12), category_name="Travel")
    # --- campaigns: they count on their start date
    spring = campaign(
        [a, b, c], "100.00", datetime.date(2025, 3, 10), datetime.date(2025, 4, 20), name="Spring"
    )  # 33.34 / 33.33 / 33.33
    february = campaign(
        [a], "10.00", datetime.date(2025, 2, 15), datetime.date(2025, 3, 15), name="February"
    )  # starts before March: not in March's figures, although it runs into March
    return {"a": a, "b": b, "c": c, "d": d, "spring": spring, "february": february}


def test_march_pnl_by_customer(book):
    a, b, c = book["a"], book["b"], book["c"]
    pnl = selectors.pnl_by_customer(customers=Customer.objects.all(), start=MARCH_1, end=MARCH_31)
    assert set(pnl) == {a.pk, b.pk, c.pk}  # D has no figure at all
    assert pnl[a.pk] == ProfitAndLoss(
        revenue=D("1575.67"),  # 10.00 + 1200.00 + 345.67 + 20.00
        cost_of_goods=D("704.00"),  # 4.00 + 700.00
        payment_fees=D("9.01"),  # 7.91 + 1.10
        marketing_cost=D("233.33"),  # 150.00 + 49.99 + campaign 33.34
        service_cost=D("80.25"),
        cost_unknown_revenue=D("365.67"),  # 345.67 + 20.00: the March sales without a cost of goods
    )
    assert pnl[a.pk].gross_margin == D("871.67")  # 1575.67 − 704.00: the 365.67 counted in full
    assert pnl[a.pk].contribution_profit == D("549.08")  # 871.67 − 9.01 − 233.33 − 80.25
    assert pnl[a.pk].margin_pct == D("0.3485")  # 549.08 / 1575.67 = 0.348474
    assert pnl[a.pk].marketing_roi == D("2.7358")  # (871.67 − 233.33) / 233.33 = 2.735782

    assert pnl[b.pk].revenue == D("500.00")
    assert pnl[b.pk].cost_unknown_revenue == D("0.00")  # its one sale has a cost of goods
    assert pnl[b.pk].cost_of_goods == D("300.00")
    assert pnl[b.pk].payment_fees == D("0.00")
    assert pnl[b.pk].marketing_cost == D("33.33")
    assert pnl[b.pk].service_cost == D("20.00")
    assert pnl[b.pk].contribution_profit == D("146.67")  # 200 − 33.33 − 20
    assert pnl[b.pk].margin_pct == D("0.2933")  # 146.67 / 500 = 0.29334
    assert pnl[b.pk].marketing_roi == D("5.0006")  # (200 − 33.33) / 33.33 = 5.00060

    assert pnl[c.pk] == ProfitAndLoss(marketing_cost=D("33.33"))
    assert pnl[c.pk].contribution_profit == D("-33.33")
    assert pnl[c.pk].margin_pct is None
    assert pnl[c.pk].marketing_roi == D("-1.0000")

    total = sum(pnl.values(), ProfitAndLoss())
    assert total == ProfitAndLoss(D("2075.67"), D("1004.00"), D("9.01"), D("299.99"), D("100.25"), D("365.67"))
    assert total.contribution_profit == D("662.42")  # 549.08 + 146.67 − 33.33


def test_pnl_covers_only_the_given_customers_in_a_fixed_number_of_queries(book, django_assert_num_queries):
    a, d = book["a"], book["d"]
    with django_assert_num_queries(4):  # sales, payment fees, cost entries, campaign shares
        pnl = selectors.pnl_by_customer(
            customers=Customer.objects.filter(pk__in=[a.pk, d.pk]), start=MARCH_1, end=MARCH_31
        )
    assert set(pnl) == {a.pk}
    assert selectors.customer_pnl(customer=d, start=MARCH_1, end=MARCH_31) == ProfitAndLoss()
    assert selectors.customer_pnl(customer=a, start=MARCH_1, end=MARCH_31).revenue == D("1575.67")


def test_cost_unknown_revenue_is_the_windows_non_void_sales_without_a_cost(east_customer, south_customer, team_east):
    """The revenue of the sales without a cost of goods ("cost unknown"), in the same figures as the
    rest of the P&L: the valuation gives it the portfolio's margin ratio. The window is the 365 days
    ending yesterday, so that a sale today lies after it."""
    a, b = east_customer, south_customer
    c = CustomerFactory(team=team_east, name="Known costs")
    start, end = t12m_window(day(-1))
    assert (start, end) == (day(-365), day(-1))
    record_sale(a, "1000.00", -10)
    record_sale(a, "0.50", -365)  # the window's first day
    record_sale(a, "300.00", -5, cost_of_goods=D("120.00"))
    record_sale(b, "10.00", -366)  # the day before the window
    record_sale(b, "20.00", 0)  # the day after it
    void = record_sale(c, "30.00", -3)
    ledger.sale_void(sale=void, reason="录错了")  # counts nowhere
    record_sale(c, "40.00", -3, cost_of_goods=D("0.00"))  # known to cost nothing: not unknown
    pnl = selectors.pnl_by_customer(customers=Customer.objects.all(), start=start, end=end)
    assert pnl[a.pk] == ProfitAndLoss(
        revenue=D("1300.50"),  # 1000.00 + 0.50 + 300.00
        cost_of_goods=D("120.00"),
        cost_unknown_revenue=D("1000.50"),  # 1000.00 + 0.50
    )
    assert pnl[a.pk].gross_margin == D("1180.50")  # 1300.50 − 120.00: the 1,000.50 at 100 %
    assert b.pk not in pnl  # both its sales lie outside the window
    assert pnl[c.pk] == ProfitAndLoss(revenue=D("40.00"), cost_of_goods=D("0.00"))
    assert pnl[c.pk].cost_unknown_revenue == D("0.00")


def test_a_single_day_window_and_the_campaign_start_date(book):
    a = book["a"]
    # 10 March: the void sale (nothing) and the spring campaign's start (A's share 33.34)
    assert selectors.customer_pnl(
        customer=a, start=datetime.date(2025, 3, 10), end=datetime.date(2025, 3, 10)
    ) == ProfitAndLoss(marketing_cost=D("33.34"))
    # 1 April: the 00:00 sale, the card payment fee and the repair
    assert selectors.customer_pnl(
        customer=a, start=datetime.date(2025, 4, 1), end=datetime.date(2025, 4, 1)
    ) == ProfitAndLoss(revenue=D("300.00"), cost_of_goods=D("100.00"), payment_fees=D("0.56"), service_cost=D("60.00"))
    # February: one sale, the advertising and the February campaign's 10.00
    assert selectors.customer_pnl(
        customer=a, start=datetime.date(2025, 2, 1), end=datetime.date(2025, 2, 28)
    ) == ProfitAndLoss(revenue=D("50.00"), cost_of_goods=D("20.00"), marketing_cost=D("1010.00"))


def test_monthly_series(book):
    series = selectors.monthly_series(customer=book["a"], as_of=datetime.date(2025, 4, 15), months=4)
    assert [(row["month"], row["revenue"], row["costs"]) for row in series] == [
        (datetime.date(2025, 1, 1), D("77.00"), D("0.00")),
        # costs: cost of goods 20.00 + advertising 1000.00 + February campaign 10.00
        (datetime.date(2025, 2, 1), D("50.00"), D("1030.00")),
        # 704.00 + fees 9.01 + 150.00 + 49.99 + 80.25 + spring campaign 33.34
        (datetime.date(2025, 3, 1), D("1575.67"), D("1026.59")),
        # up to the 15th: the 20 April sale is not in yet; 100.00 + fee 0.56 + repair 60.00
        (datetime.date(2025, 4, 1), D("300.00"), D("160.56")),
    ]


def test_monthly_series_reads_each_source_once(book, count_queries):
    """Sales (revenue and cost of goods together), fees, cost entries, campaign shares: four queries."""
    assert count_queries(lambda: selectors.monthly_series(customer=book["a"], as_of=datetime.date(2025, 4, 15))) == 4


def test_monthly_series_of_a_customer_with_nothing(book):
    series = selectors.monthly_series(customer=book["d"], as_of=datetime.date(2025, 4, 15))
    assert len(series) == 12
    assert series[0]["month"] == datetime.date(2024, 5, 1)
    assert {(row["revenue"], row["costs"]) for row in series} == {(D("0.00"), D("0.00"))}


def test_campaign_list_reports_revenue_of_the_targets_in_the_period(book, finance_user):
    rows = {c.name: c for c in selectors.campaign_list(user=finance_user)}
    spring, february = rows["Spring"], rows["February"]
    # Spring, 10 March – 20 April, targets A, B, C: A 345.67 + 20.00 + 300.00 + 999.00 (the void
    # sale and the 5 March sale do not count), B 500.00, C nothing
    assert (spring.target_count, spring.target_revenue) == (3, D("2164.67"))
    assert selectors.campaign_report_row(spring) == {
        "cost": D("100.00"),
        "revenue": D("2164.67"),
        "roi": D("20.6467"),  # (2164.67 − 100) / 100
    }
    # February, 15 February – 15 March, target A: 10.00 + 1200.00
    assert (february.target_count, february.target_revenue) == (1, D("1210.00"))
    assert selectors.campaign_report_row(february)["roi"] == D("120.0000")  # (1210 − 10) / 10


def test_revenue_in_period(book):
    a, b, c = book["a"], book["b"], book["c"]
    revenue = selectors.revenue_in_period(customers=[a.pk, b.pk, c.pk], start=MARCH_1, end=MARCH_31)
    assert revenue == {a.pk: D("1575.67"), b.pk: D("500.00")}


def test_cost_entry_list_is_scoped_to_the_users_teams(book, sales_user, other_sales_user, finance_user):
    a, b = book["a"], book["b"]
    assert {e.customer_id for e in selectors.cost_entry_list(user=sales_user)} == {a.pk}
    assert {e.customer_id for e in selectors.cost_entry_list(user=other_sales_user)} == {b.pk}
    assert selectors.cost_entry_list(user=finance_user).count() == 6


def test_category_choices_by_role(sales_user, finance_user):
    assert set(selectors.category_choices(user=sales_user).values_list("family", flat=True)) == {"service"}
    assert set(selectors.category_choices(user=finance_user).values_list("family", flat=True)) == {
        "marketing",
        "service",
    }
