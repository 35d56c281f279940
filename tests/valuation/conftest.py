"""Valuation fixtures: a small portfolio whose figures are worked out by hand, and a real worker."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from tests.customers.factories import CustomerFactory, IndustryFactory
from tests.transactions.factories import day, record_sale
from transactions import services as ledger

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Portfolio:
    """The customers by name, the as-of date, and the hand-worked purchase data (weeks)."""

    as_of: datetime.date
    customers: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.customers[name]


# name: [(days before as_of, amount, cost of goods)]; negative = after as_of (ignored)
SALES = {
    "Alpha": [(700, "100.00", "60.00"), (300, "200.00", "120.00"), (200, "150.00", "90.00"),
              (100, "250.00", "100.00"), (30, "120.00", "50.00")],
    "Beta": [(600, "80.00", "40.00"), (400, "90.00", "45.00"), (250, "60.00", "30.00"),
             (90, "50.00", "25.00"), (90, "70.00", "35.00")],  # two sales on one day: one purchase
    "Gamma": [(500, "300.00", "100.00"), (10, "45.50", "20.00")],
    "Delta": [(680, "500.00", "250.00"), (365, "400.00", "200.00")],  # nothing in the last 365 days
    "Epsilon": [(200, "99.99", "50.00")],  # a single purchase
    "Zeta": [],  # a prospect: never bought
    "Eta": [(0, "88.00", "40.00")],  # first purchase on the as-of date
    "Theta": [(360, "40.00", "20.00"), (300, "40.00", "20.00"), (200, "40.00", "20.00"),
              (150, "40.00", "20.00"), (60, "40.00", "20.00"), (5, "40.00", "20.00")],
    "Iota": [(400, "500.00", "300.00"), (380, "500.00", "300.00"), (20, "1000.00", "600.00")],
    "Kappa": [(150, "60.00", "30.00"), (-1, "777.00", "300.00")],  # the later sale is after as_of
    "Lambda": [(330, "75.00", "30.00"), (250, "75.00", "30.00"), (170, "75.00", "30.00"),
               (90, "75.00", "30.00"), (45, "75.00", "30.00")],
}  # fmt: skip


def build_portfolio(team, owner=None) -> Portfolio:
    """Eleven customers in `team`, as of yesterday (so that a sale today lies after the as-of date).
    Iota also has a voided sale 15 days before as_of, which counts nowhere."""
    as_of = day(-1)
    growing = IndustryFactory(name="测试朝阳行业", name_en="Test growing", outlook="growing")  # outlook factor 1.20
    portfolio = Portfolio(as_of=as_of)
    for rating, (name, sales) in enumerate(SALES.items()):
        customer = CustomerFactory(
            name=name, team=team, owner=owner, industry=growing if rating % 2 else None, growth_rating=rating % 5 + 1
        )
        for days_before, amount, cogs in sales:
            record_sale(customer, amount, as_of - datetime.timedelta(days=days_before), cost_of_goods=Decimal(cogs))
        portfolio.customers[name] = customer
    void = record_sale(portfolio["Iota"], "5000.00", as_of - datetime.timedelta(days=15))
    ledger.sale_void(sale=void, reason="录错了")
    return portfolio


@pytest.fixture
def portfolio(team_east, sales_user):
    return build_portfolio(team_east, owner=sales_user)


# --- a real worker (as in tests/custnotes/test_worker.py) -------------------------------------------
