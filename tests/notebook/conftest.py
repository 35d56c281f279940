"""A hand-built portfolio for the notebook-at-a-glance tests (summary, workbook, command, pages).

Everything is relative to today (the default as-of date) and worked out by hand below; the
valuation run as of today (which ends with the risk step) scores it.

Alpha (East, industry "低竞争" stable / low competition):
  sales  -200 d 1,000.00 (cogs 600.00, due -170: > 90 days past due)
          -50 d   500.00 (cogs 200.00, due -20: 1–30 days past due)
          -10 d   300.00 (cogs 100.00, due +20: not yet due)
  receipt -5 d    400.00 by card: fee 400 × 0.006 + 0.50 = 2.90, applied oldest first to the
                  first sale → 600.00 of it stays open (> 90 days)
  costs  Advertising 120.00 (-30 d), Repairs 80.50 (-15 d)
  T12M revenue 1,800.00, gross margin 900.00, contribution 900 − 2.90 − 120 − 80.50 = 696.60
  open 1,400.00 = not due 300.00 + 1–30 500.00 + > 90 600.00
  DSO by the countback: from today back month by month, the 300.00 and 500.00 sales are used up
  whole, then 600.00 of the 1,000.00 sale's month, pro rata (countback_by_hand: the month lengths
  depend on the calendar); paid late 2 of 3 T12M invoices (66.7 %); no invoice fully paid in T12M,
  so no days to pay or late ("—")
Beta (East, no industry):
  sales  -100 d 2,000.00 (cogs 1,500.00, due -70: 61–90 days past due), -3 d 250.00 (no cogs)
  costs  Support 40.00 (-7 d)
  T12M revenue 2,250.00, gross margin 750.00, contribution 710.00
  open 2,250.00 = not due 250.00 + 61–90 2,000.00; DSO by the countback, the whole 250.00 and
  2,000.00 used up: the days back to the start of the -100 d sale's month; late 1 of 2, too few
  invoices to say (fewer than 3: "—")
"=1+1" (East, a name a spreadsheet would take for a formula):
  sale -400 d "+扩容套餐" 700.00 (cogs 300.00), paid -380 d in cash (reference "-ref-1")
  cost Travel 10.00 (-2 d) with the note "@上门"
  T12M revenue 0, contribution −10.00, nothing open: DSO 0 days; no T12M invoice, so no late share

Risk and value, by hand: portfolio T12M revenue 4,050.00, so Alpha holds 44.4 % and Beta 55.6 %
(both > 20 %: concentration, which is medium). Alpha: credit high (600.00 > 90 days; also 2 of 3 T12M
invoices late) is the worst. Beta: credit medium (2,000.00 61–90 days) ties with concentration medium
and credit wins. "=1+1": credit low; nothing open and no T12M revenue, so no market
risk counts (no exposure), whatever its industry: low.
Too few buyers to fit the purchase model: P(alive), predicted and potential value are empty, so the
tier is by T12M revenue: Beta 2,250 (nobody above: A), Alpha 1,800 (1 of 3 above: C), "=1+1" 0
(2 of 3 above: C). RFM among Alpha and Beta: recency 10 vs 3 days → R 1 vs 3; frequency 3 vs 2 →
F 3 vs 1: Alpha at risk (R ≤ 2, F ≥ 3), Beta hibernating; "=1+1" bought before the window: lost.
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from custnotes.identity import exported_id
from customers.models import Customer
from tests.costing.factories import card, cost
from tests.customers.factories import CustomerFactory, IndustryFactory
from tests.transactions.factories import cash, record_payment, record_sale
from valuation.models import CustomerValuation
from valuation.services import valuation_run

D = Decimal


@dataclass
class Portfolio:
    alpha: object
    beta: object
    formula: object
    as_of: datetime.date

    @property
    def customers(self):
        return [self.alpha, self.beta, self.formula]


def build_portfolio(team, owner, author) -> Portfolio:
    quiet = IndustryFactory(name="低竞争", name_en="Quiet", outlook="stable", competition="low")
    alpha = CustomerFactory(name="Alpha", team=team, owner=owner, industry=quiet, growth_rating=3)
    beta = CustomerFactory(name="Beta", team=team, owner=owner, growth_rating=3)
    formula = CustomerFactory(name="=1+1", team=team, owner=owner, growth_rating=3)

    record_sale(alpha, "1000.00", -200, cost_of_goods=D("600.00"))
    record_sale(alpha, "500.00", -50, cost_of_goods=D("200.00"))
    record_sale(alpha, "300.00", -10, cost_of_goods=D("100.00"))
    record_payment(alpha, "400.00", -5, method=card())
    cost(alpha, "120.00", -30, category_name="Advertising", author=author)
    cost(alpha, "80.50", -15, category_name="Repairs", author=author)

    record_sale(beta, "2000.00", -100, cost_of_goods=D("1500.00"))
    record_sale(beta, "250.00", -3)
    cost(beta, "40.00", -7, category_name="Support", author=author)

    record_sale(formula, "700.00", -400, product="+扩容套餐", cost_of_goods=D("300.00"))
    record_payment(formula, "700.00", -380, method=cash(), reference="-ref-1")
    cost(formula, "10.00", -2, category_name="Travel", note="@上门", author=author)
    # the services moved each customer's type on the database row (all three are existing customers
    # now: two sales in different months, or 12 months since the first sale): read them back
    fresh = Customer.objects.in_bulk([alpha.pk, beta.pk, formula.pk])
    return Portfolio(fresh[alpha.pk], fresh[beta.pk], fresh[formula.pk], timezone.localdate())


@pytest.fixture
def portfolio(team_east, sales_user, finance_user):
    built = build_portfolio(team_east, sales_user, finance_user)
    valuation_run(as_of=built.as_of)
    return built


# The summary row of each customer, by hand (Chinese: the tests' default language).
EXPECTED = {
    "alpha": {
        "name": "Alpha",
        "type": "老客户",
        "team": "East",
        "industry": "低竞争",
        "t12m_revenue": D("1800.00"),
        "t12m_purchases": 3,
        "t12m_gross_margin": D("900.00"),
        "t12m_cost_unknown_revenue": D("0.00"),
        "t12m_payment_fees": D("2.90"),
        "t12m_marketing_cost": D("120.00"),
        "t12m_service_cost": D("80.50"),
        "t12m_contribution_profit": D("696.60"),
        "open_total": D("1400.00"),
        "not_due": D("300.00"),
        "d1_30": D("500.00"),
        "d31_60": D("0.00"),
        "d61_90": D("0.00"),
        "over_90": D("600.00"),
        "overdue": D("1100.00"),
        "dso": "countback",  # countback_by_hand
        "late_share": D("0.6667"),
        "days_to_pay": None,
        "days_late": None,
        "credit_risk": "高",
        "p_alive": None,
        "predicted_value": None,
        "potential_value": None,
        "tier": "C",
        "segment": "需挽回",
        "verdict": "C · 信用风险 高：¥600.00 逾期超过 90 天；停止赊销；要求预付款或担保。",
        "worst_level": "high",
    },
    "beta": {
        "name": "Beta",
        "type": "老客户",
        "team": "East",
        "industry": "",
        "t12m_revenue": D("2250.00"),
        "t12m_purchases": 2,
        "t12m_gross_margin": D("750.00"),
        "t12m_cost_unknown_revenue": D("250.00"),  # the -3 d sale has no cost of goods
        "t12m_payment_fees": D("0.00"),
        "t12m_marketing_cost": D("0.00"),
        "t12m_service_cost": D("40.00"),
        "t12m_contribution_profit": D("710.00"),
        "open_total": D("2250.00"),
        "not_due": D("250.00"),
        "d1_30": D("0.00"),
        "d31_60": D("0.00"),
        "d61_90": D("2000.00"),
        "over_90": D("0.00"),
        "overdue": D("2000.00"),
        "dso": "countback",
        "late_share": None,
        "days_to_pay": None,
        "days_late": None,
        "credit_risk": "中",
        "p_alive": None,
        "predicted_value": None,
        "potential_value": None,
        "tier": "A",
        "segment": "休眠客户",
        "verdict": "A · 信用风险 中：¥2,000.00 逾期 31–90 天；缩短账期。",
        "worst_level": "medium",
    },
    "formula": {
        "name": "=1+1",
        "type": "老客户",
        "team": "East",
        "industry": "",
        "t12m_revenue": D("0.00"),
        "t12m_purchases": 0,
        "t12m_gross_margin": D("0.00"),
        "t12m_cost_unknown_revenue": D("0.00"),
        "t12m_payment_fees": D("0.00"),
        "t12m_marketing_cost": D("0.00"),
        "t12m_service_cost": D("10.00"),
        "t12m_contribution_profit": D("-10.00"),
        "open_total": D("0.00"),
        "not_due": D("0.00"),
        "d1_30": D("0.00"),
        "d31_60": D("0.00"),
        "d61_90": D("0.00"),
        "over_90": D("0.00"),
        "overdue": D("0.00"),
        "dso": D("0.0"),
        "late_share": None,
        "days_to_pay": None,
        "days_late": None,
        "credit_risk": "低",
        "p_alive": None,
        "predicted_value": None,
        "potential_value": None,
        "tier": "C",
        "segment": "已流失",
        "verdict": "C · 信用风险 低；标准条款。",  # no business: no market risk, whatever its industry
        "worst_level": "low",
    },
}

# The 30 columns of the 客户汇总 sheet (English part of each bilingual header), in order.
SUMMARY_COLUMNS_EN = [  # in template order: each section's columns, the sections as they follow each other
    "Customer ID",
    "Name",
    "Type",
    "Team",
    "Industry",
    "T12M purchases",
    "Open receivables",
    "Not yet due",
    "1-30 days",
    "31-60 days",
    "61-90 days",
    "Over 90 days",
    "DSO",
    "Paid late (T12M)",
    "Average days to pay",
    "Average days late",
    "T12M revenue",
    "T12M gross margin",
    "T12M revenue without cost of goods",
    "T12M payment fees",
    "T12M marketing cost",
    "T12M service cost",
    "T12M contribution profit",
    "P(alive)",
    "Predicted 12-month value",
    "Potential value",
    "Tier",
    "Segment",
    "Credit risk",
    "Verdict",
]


# Each customer's sales (days before the as-of date, amount) and what is open, for the countback.
COUNTBACK = {
    "alpha": ([(-200, D("1000.00")), (-50, D("500.00")), (-10, D("300.00"))], D("1400.00")),
    "beta": ([(-100, D("2000.00")), (-3, D("250.00"))], D("2250.00")),
}


def countback_by_hand(sales, open_total, as_of) -> Decimal:
    """The countback as a clerk does it on paper: take the months from today backwards (this month up
    to today first), and while what is open is more than the month's sales, subtract them and count
    the month's days; in the month that covers the rest, count its days pro rata."""
    remaining, days = open_total, D(0)
    year, month, length = as_of.year, as_of.month, as_of.day
    while True:
        days_of_sales = [(as_of + datetime.timedelta(days=offset), a) for offset, a in sales]
        month_sales = sum((a for d, a in days_of_sales if (d.year, d.month) == (year, month)), D(0))
        if remaining > month_sales:
            remaining -= month_sales
            days += length
        else:
            return (days + D(length) * remaining / month_sales).quantize(D("0.1"), rounding="ROUND_HALF_UP")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        length = calendar.monthrange(year, month)[1]


def expected_row(portfolio, name) -> dict:
    """The hand-worked row with the customer's id (ids differ between runs)."""
    customer = getattr(portfolio, name)
    row = dict(EXPECTED[name])
    if row["dso"] == "countback":
        row["dso"] = countback_by_hand(*COUNTBACK[name], portfolio.as_of)
    # The snapshot's date is the portfolio's; when it was scored is a moment of the run (stored, not
    # worked out): the pages show both beside the live figures.
    snapshot = CustomerValuation.objects.get(customer=customer, as_of=portfolio.as_of)
    row.update(scored_as_of=portfolio.as_of, scored_at=snapshot.scored_at)
    # A customer without an import ID is named in workbooks by this database's own ID for it.
    return {"customer_id": exported_id(customer.external_id, customer.pk), **row}
