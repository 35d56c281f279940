"""Valuation fixtures: a small portfolio whose figures are worked out by hand, and a real worker."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from customers.models import Customer
from tests.customers.factories import CustomerFactory, IndustryFactory
from tests.transactions.factories import at, day, record_sale
from transactions import services as ledger
from transactions.models import Sale

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


# --- a crowd the model can identify -------------------------------------------------------------
#
# Eleven hand-made customers do not identify BG/NBD (nobody is seen dropping out, so the fit runs
# to a → 0) nor Gamma-Gamma: the hand portfolio above gets "no model figures". The tests of the
# model's figures use this crowd instead, simulated from the models themselves with CDNOW-like
# parameters (weeks; spends in yuan), which every seed tried (0..4) fits well inside the bounds.

CROWD_TRUTH = {"r": 0.8, "alpha": 8.0, "a": 0.8, "b": 2.4, "p": 6.0, "q": 4.0, "v": 150.0}


def simulate_crowd(seed: int = 0, n: int = 300) -> list[list[tuple[int, Decimal]]]:
    """Per customer, its purchases as (days before as_of, amount): a first purchase 52..104 weeks
    before as_of, then repeat purchases at rate λ ~ Gamma(r, α) until a dropout with probability
    p ~ Beta(a, b) after each; each amount ~ Gamma(p, ν) with ν ~ Gamma(q, v). One sale a day."""
    truth = CROWD_TRUTH
    rng = np.random.default_rng(seed)
    customers = []
    for _ in range(n):
        rate, dropout = rng.gamma(truth["r"], 1 / truth["alpha"]), rng.beta(truth["a"], truth["b"])
        T, nu = rng.uniform(52, 104), rng.gamma(truth["q"], 1 / truth["v"])
        t, times = 0.0, [0.0]
        while True:
            t += rng.exponential(1 / rate)
            if t > T:
                break
            times.append(t)
            if rng.random() < dropout:
                break
        days = sorted({round(T * 7) - round(s * 7) for s in times})
        customers.append([(d, Decimal(str(round(float(rng.gamma(truth["p"], 1 / nu)), 2))) + D_CENT) for d in days])
    return customers


D_CENT = Decimal("0.01")  # no sale of ¥0.00


@dataclass
class Crowd:
    as_of: datetime.date
    customers: list  # Customer rows, in the order of `purchases`
    purchases: list  # per customer: [(days before as_of, amount)]
    industry: object = None  # a growing industry (outlook factor 1.20), for tests to assign


@pytest.fixture
def crowd(team_east):
    """300 customers with about 1,300 sales written in bulk (history the ledger's rules need not
    see: no payments, no allocations), cost of goods 60 % of each amount."""
    as_of = day(-1)
    purchases = simulate_crowd()
    customers = Customer.objects.bulk_create(
        Customer(name=f"Crowd {i:03d}", company=f"Crowd Co {i:03d}", team=team_east) for i in range(len(purchases))
    )
    Sale.objects.bulk_create(
        Sale(
            customer=customer,
            occurred_at=at(as_of - datetime.timedelta(days=days)),
            product="服务",
            amount=amount,
            cost_of_goods=(amount * Decimal("0.6")).quantize(D_CENT),
            due_date=as_of - datetime.timedelta(days=days - 30),
        )
        for customer, rows in zip(customers, purchases, strict=True)
        for days, amount in rows
    )
    growing = IndustryFactory(name="测试成长行业", name_en="Test growth", outlook="growing")
    return Crowd(as_of=as_of, customers=customers, purchases=purchases, industry=growing)


def crowd_holdout_actual(crowd, calibration_days: int, periods: int) -> list[int]:
    """Cumulative repeat purchases, week by week after the calibration end (calibration_days before
    as_of), of the customers who had bought by then, counted from the simulated history."""
    counts = [0] * periods
    for purchases in crowd.purchases:
        if max(d for d, _a in purchases) < calibration_days:
            continue  # not a customer yet at the calibration end
        for d, _a in purchases:
            weeks_after = (calibration_days - d) / 7
            for k in range(periods):
                if 0 < weeks_after <= k + 1:
                    counts[k] += 1
    return counts


def add_newcomer(crowd, *, days_before: int = 4, amount: str = "3000.00", name: str = "Newcomer"):
    """The issue's customer: one sale of ¥3,000 `days_before` the crowd's as-of date (cost 60 %),
    in a growing industry with the top growth rating (the largest factors a prediction could get)."""
    customer = CustomerFactory(name=name, team=crowd.customers[0].team, industry=crowd.industry, growth_rating=5)
    amount = Decimal(amount)
    record_sale(
        customer, amount, crowd.as_of - datetime.timedelta(days=days_before), cost_of_goods=amount * Decimal("0.6")
    )
    return customer


def crowd_holdout_counts(crowd, calibration_days: int) -> list[tuple[int, int]]:
    """(repeat purchases up to the calibration end, purchases after it) of each customer who had
    bought by the calibration end (calibration_days before as_of), from the simulated history."""
    rows = []
    for purchases in crowd.purchases:
        before = [d for d, _a in purchases if d >= calibration_days]
        if before:
            rows.append((len(before) - 1, len(purchases) - len(before)))
    return rows


# --- thin data: the 173 customers of whom 5 bought again -------------------------------------

# days before as_of of each purchase of the five repeat buyers, oldest first
THIN_REPEATERS = [[400, 300, 200], [500, 250], [350, 340, 100, 20], [600, 30], [450, 440]]


@pytest.fixture
def thin(team_east):
    """173 customers: 168 with a single sale (100, 103, …, 601 days before as_of) and 5 with the
    repeat purchases of THIN_REPEATERS; written in bulk like the crowd, cost of goods 60 %."""
    as_of = day(-1)
    histories = [[100 + 3 * i] for i in range(168)] + THIN_REPEATERS
    customers = Customer.objects.bulk_create(
        Customer(name=f"Thin {i:03d}", company=f"Thin Co {i:03d}", team=team_east) for i in range(len(histories))
    )
    Sale.objects.bulk_create(
        Sale(
            customer=customer,
            occurred_at=at(as_of - datetime.timedelta(days=days)),
            product="服务",
            amount=Decimal("200.00"),
            cost_of_goods=Decimal("120.00"),
            due_date=as_of - datetime.timedelta(days=days - 30),
        )
        for customer, days_list in zip(customers, histories, strict=True)
        for days in days_list
    )
    return Crowd(as_of=as_of, customers=customers, purchases=[[(d, Decimal("200.00")) for d in h] for h in histories])


# --- a real worker (as in tests/custnotes/test_worker.py) -------------------------------------------
