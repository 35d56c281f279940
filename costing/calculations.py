"""Cost and profit formulas (DESIGN.md "Costs" and "Definitions"), pure.

- Gross margin = revenue − cost of goods.
- Contribution profit = gross margin − payment fees − marketing costs − service costs
  (allocated campaign costs included in marketing or service by the campaign's category).
- Margin % = contribution profit / revenue.
- Marketing ROI = (gross margin − marketing cost) / marketing cost.

A sale without a cost of goods is "cost unknown": its cost counts as nothing, so gross margin counts
its revenue in full; `cost_unknown_revenue` says how much of the revenue that is.
"""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from custnotes.money import CENT, ZERO, round_money
from transactions.calculations import T12M_DAYS, window_start

RATIO = Decimal("0.0001")

# The derived figures as signed sums of the P&L's own: ProfitAndLoss computes them in Python, and
# CustomerFigures' generated columns and the ledger report's SQL are built from the same terms.
GROSS_MARGIN = (("revenue", 1), ("cost_of_goods", -1))
CONTRIBUTION = (*GROSS_MARGIN, ("payment_fees", -1), ("marketing_cost", -1), ("service_cost", -1))
MARKETING_RETURN = (*GROSS_MARGIN, ("marketing_cost", -1))  # what marketing ROI divides by the marketing cost
# the ratios: (numerator's terms, the figure divided by; no ratio where it is zero)
MARGIN_RATIO = (CONTRIBUTION, "revenue")
ROI_RATIO = (MARKETING_RETURN, "marketing_cost")


def signed_sum(terms, value):
    """Σ ±value(figure) over `terms`, left to right; `value` gives a Decimal, a database expression
    (F) or anything else with + and -. The first term is always added."""
    (first, _sign), *rest = terms
    total = value(first)
    for name, sign in rest:
        total = total + value(name) if sign > 0 else total - value(name)
    return total


def signed_sum_sql(terms, column) -> str:
    """The same sum as SQL text over the columns `column(figure)` names (our own names, never input)."""
    (first, _sign), *rest = terms
    return column(first) + "".join(f" {'+' if sign > 0 else '-'} {column(name)}" for name, sign in rest)


def split_largest_remainder(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` in proportion to `weights`, to the fen, so that the parts add up exactly.

    Each part is first rounded down; the fen left over go one each to the parts with the largest
    remainders (ties to the earlier part). All-zero weights split equally.
    """
    total = round_money(total)
    count = len(weights)
    if count == 0:
        return []
    if sum(weights) <= 0:
        weights = [Decimal(1)] * count
    # Exact fractions: Decimal division would round the remainders to 28 digits, and remainders
    # that are really equal could then compare unequal (breaking "ties to the earlier part").
    fractions = [Fraction(w) for w in weights]
    weight_sum = sum(fractions)
    total_fen = int(total / CENT)
    exact = [total_fen * w / weight_sum for w in fractions]
    floors = [math.floor(e) for e in exact]
    leftover = total_fen - sum(floors)
    order = sorted(range(count), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [Decimal(f) * CENT for f in floors]


@dataclass(frozen=True)
class ProfitAndLoss:
    """One customer's (or the portfolio's) profit over a window. `cost_unknown_revenue` is the part
    of `revenue` from sales without a cost of goods, which gross margin counts in full."""

    revenue: Decimal = ZERO
    cost_of_goods: Decimal = ZERO
    payment_fees: Decimal = ZERO
    marketing_cost: Decimal = ZERO
    service_cost: Decimal = ZERO
    cost_unknown_revenue: Decimal = ZERO

    def _figure(self, name: str) -> Decimal:
        return getattr(self, name)

    def _ratio(self, ratio) -> Decimal | None:
        terms, denominator = ratio
        if self._figure(denominator) == ZERO:
            return None
        return (signed_sum(terms, self._figure) / self._figure(denominator)).quantize(RATIO, rounding=ROUND_HALF_UP)

    @property
    def gross_margin(self) -> Decimal:
        return signed_sum(GROSS_MARGIN, self._figure)

    @property
    def contribution_profit(self) -> Decimal:
        return signed_sum(CONTRIBUTION, self._figure)

    @property
    def margin_pct(self) -> Decimal | None:
        """Contribution profit as a share of revenue (0.1234 = 12.34 %); None without revenue."""
        return self._ratio(MARGIN_RATIO)

    @property
    def marketing_roi(self) -> Decimal | None:
        """(gross margin − marketing cost) / marketing cost; None without marketing cost."""
        return self._ratio(ROI_RATIO)

    def __add__(self, other: "ProfitAndLoss") -> "ProfitAndLoss":
        return ProfitAndLoss(
            self.revenue + other.revenue,
            self.cost_of_goods + other.cost_of_goods,
            self.payment_fees + other.payment_fees,
            self.marketing_cost + other.marketing_cost,
            self.service_cost + other.service_cost,
            self.cost_unknown_revenue + other.cost_unknown_revenue,
        )


def campaign_roi(revenue: Decimal, cost: Decimal) -> Decimal | None:
    """A campaign's return: (targets' revenue in the period − cost) / cost."""
    if cost == ZERO:
        return None
    return ((revenue - cost) / cost).quantize(RATIO, rounding=ROUND_HALF_UP)


# --- windows ------------------------------------------------------------------------------------


def month_window(as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    return as_of.replace(day=1), as_of


def quarter_window(as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = 3 * ((as_of.month - 1) // 3) + 1
    return datetime.date(as_of.year, first_month, 1), as_of


def t12m_window(as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 365 days ending on (and including) as_of (the ledger's T12M)."""
    return window_start(as_of, T12M_DAYS), as_of
