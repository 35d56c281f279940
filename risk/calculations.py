"""Risk formulas (DESIGN.md "Definitions": credit, market, concentration and churn risk), pure.

Reasons are returned as (code, values) pairs; the pages word them in the user's language.
"""

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from customers.choices import Competition, Outlook
from transactions.calculations import T12M_DAYS

from .choices import LEVEL_ORDER, Level

LATE_HIGH = Decimal("0.5")
LATE_MEDIUM = Decimal("0.25")
UTILISATION_MEDIUM = Decimal("0.8")
CONCENTRATION_ALERT = Decimal("0.2")
P_ALIVE_CHURN = 0.5
# One level per kind of risk, the same on the verdict, the cards, the alerts and the lists: a customer
# who has probably stopped buying, or who carries more than a fifth of the revenue, is worth a
# conversation (medium), not a credit stop (high, which only the credit rules and the market give).
CHURN_LEVEL = "medium"
CONCENTRATION_LEVEL = "medium"

ACTIONS = {
    Level.HIGH: "stop_credit",  # stop credit, ask for prepayment or a guarantee
    Level.MEDIUM: "shorten_terms",  # shorten payment terms
    Level.LOW: "standard_terms",
}


@dataclass(frozen=True)
class CreditInputs:
    """A customer's receivables as of D (aging buckets), credit limit, T12M late share and DSO."""

    not_due: Decimal = Decimal(0)
    d1_30: Decimal = Decimal(0)
    d31_60: Decimal = Decimal(0)
    d61_90: Decimal = Decimal(0)
    over_90: Decimal = Decimal(0)
    credit_limit: Decimal = Decimal(0)
    late_share: Decimal | None = None
    dso: Decimal | None = None

    @property
    def open_total(self) -> Decimal:
        return self.not_due + self.d1_30 + self.d31_60 + self.d61_90 + self.over_90

    @property
    def utilisation(self) -> Decimal | None:
        """Open receivables / credit limit; None without a limit."""
        if self.credit_limit <= 0:
            return None
        return self.open_total / self.credit_limit


@dataclass(frozen=True)
class CreditAssessmentResult:
    level: str
    reasons: list[tuple[str, dict]]
    action: str


def credit_risk(inputs: CreditInputs) -> CreditAssessmentResult:
    """High if any open amount is over 90 days past due, or open receivables exceed the credit
    limit, or more than 50 % of the T12M invoices were paid late; medium if any open amount is
    31–90 days past due, or utilisation is above 80 %, or more than 25 % were paid late; else low.
    The reasons list every rule that fired, the highest level's first."""
    high: list[tuple[str, dict]] = []
    medium: list[tuple[str, dict]] = []
    if inputs.over_90 > 0:
        high.append(("over_90", {"amount": inputs.over_90}))
    if inputs.open_total > inputs.credit_limit:
        high.append(("over_limit", {"open": inputs.open_total, "limit": inputs.credit_limit}))
    if inputs.late_share is not None and inputs.late_share > LATE_HIGH:
        high.append(("late_share", {"share": inputs.late_share}))
    overdue_31_90 = inputs.d31_60 + inputs.d61_90
    if overdue_31_90 > 0:
        medium.append(("overdue_31_90", {"amount": overdue_31_90}))
    utilisation = inputs.utilisation
    if utilisation is not None and utilisation > UTILISATION_MEDIUM and inputs.open_total <= inputs.credit_limit:
        medium.append(("utilisation", {"share": utilisation}))
    if inputs.late_share is not None and LATE_MEDIUM < inputs.late_share <= LATE_HIGH:
        medium.append(("late_share", {"share": inputs.late_share}))
    level = Level.HIGH if high else Level.MEDIUM if medium else Level.LOW
    return CreditAssessmentResult(level, high + medium, ACTIONS[level])


def market_risk(outlook: str | None, competition: str | None) -> Level:
    """High for a declining industry or high competition (DESIGN); otherwise low: a stable or growing
    industry with ordinary competition is the normal state of business, not a risk. Without an
    industry nothing is known of the market; the pages say so rather than invent a level."""
    if outlook == Outlook.DECLINING or competition == Competition.HIGH:
        return Level.HIGH
    return Level.LOW


def market_risk_with_exposure(level: Level, *, open_total: Decimal, t12m_revenue: Decimal) -> Level:
    """Market risk counts only where there is exposure (open receivables or T12M revenue): a prospect
    with no business carries none, whatever its industry."""
    return level if open_total > 0 or t12m_revenue > 0 else Level.LOW


def concentration_with_exposure(share: Decimal | None, *, open_total: Decimal, t12m_revenue: Decimal):
    """Concentration counts only where there is exposure, like market risk."""
    return share if open_total > 0 or t12m_revenue > 0 else None


def concentration_share(revenue: Decimal, portfolio_revenue: Decimal) -> Decimal | None:
    """The customer's share of the portfolio's T12M revenue; None when the portfolio has none."""
    if portfolio_revenue <= 0:
        return None
    return revenue / portfolio_revenue


def is_concentrated(share: Decimal | None) -> bool:
    return share is not None and share > CONCENTRATION_ALERT


def concentration_level(share: Decimal | None) -> str:
    return CONCENTRATION_LEVEL if is_concentrated(share) else Level.LOW


def churn_level(at_risk: bool) -> str:
    return CHURN_LEVEL if at_risk else Level.LOW


def overdue_alert_level(days: int | None) -> str | None:
    """The overdue alert's level is the credit rule's for its oldest bucket: over 90 days high,
    31–90 days medium."""
    if days is None:
        return None
    return Level.HIGH if days == 90 else Level.MEDIUM


@dataclass(frozen=True)
class ChurnResult:
    at_risk: bool
    reason: str  # "p_alive" | "gap" | ""
    values: dict


def churn_risk(*, p_alive: float | None, purchase_days: Sequence, as_of) -> ChurnResult:
    """Churn risk for a customer who bought before: P(alive) < 0.5; with too little history for the
    model, no purchase for more than twice the median gap between their purchase days. Like market
    and concentration risk it counts only where there is something at stake: a customer with no
    purchase in the last 12 months is lost already (the value segment says so), not at risk."""
    days = sorted(d for d in purchase_days if d <= as_of)
    if not days or (as_of - days[-1]).days >= T12M_DAYS:
        return ChurnResult(False, "", {})
    if p_alive is not None:
        if p_alive < P_ALIVE_CHURN:
            return ChurnResult(True, "p_alive", {"p_alive": p_alive})
        return ChurnResult(False, "", {})
    if len(days) < 2:
        return ChurnResult(False, "", {})
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    median_gap = statistics.median(gaps)
    silent = (as_of - days[-1]).days
    if silent > 2 * median_gap:
        return ChurnResult(True, "gap", {"days": silent, "median_gap": median_gap})
    return ChurnResult(False, "", {})


def worst_level(*levels: str | None) -> str:
    present = [level for level in levels if level]
    if not present:
        return Level.LOW
    return max(present, key=lambda level: LEVEL_ORDER[level])


def overdue_alert_days(inputs: CreditInputs) -> int | None:
    """The overdue alert's threshold: 90, 60 or 30 (days past due) by the oldest open money; None
    when nothing is more than 30 days past due."""
    if inputs.over_90 > 0:
        return 90
    if inputs.d61_90 > 0:
        return 60
    if inputs.d31_60 > 0:
        return 30
    return None


def proposal_for(level: str, *, credit_limit: Decimal, payment_terms_days: int) -> dict | None:
    """The credit policy the recommended action turns into: high → no further credit (limit 0) and
    prepayment or a guarantee required; medium → payment terms halved; low → none."""
    if level == Level.HIGH:
        return {
            "credit_limit": Decimal("0.00"),
            "payment_terms_days": payment_terms_days,
            "require_prepayment": True,
            "require_guarantee": True,
        }
    if level == Level.MEDIUM:
        shorter = payment_terms_days // 2
        if shorter == payment_terms_days:
            return None
        return {
            "credit_limit": credit_limit,
            "payment_terms_days": shorter,
            "require_prepayment": False,
            "require_guarantee": False,
        }
    return None


# The kinds of risk in the order they are named when equally severe: credit first, the template's
# main worry, then churn, concentration and market.
RISK_KIND_ORDER = ("credit", "churn", "concentration", "market")


def worst_risk(
    *,
    credit_level: str,
    credit_reasons: list,
    market_level: str,
    churn: bool,
    churn_reason: dict,
    concentration: Decimal | None,
    market_values: dict | None = None,
) -> tuple[str, str, tuple[str, dict] | None]:
    """The worst of the customer's risks: (kind, level, its first reason as (code, values) or None).
    A market reason carries what makes it specific: the industry's outlook, competition and the
    money exposed (market_values)."""
    candidates = [
        ("credit", credit_level, tuple(credit_reasons[0]) if credit_reasons else None),
        ("churn", churn_level(churn), ("churn", dict(churn_reason)) if churn else None),
        (
            "concentration",
            concentration_level(concentration),
            ("concentration", {"share": concentration}) if is_concentrated(concentration) else None,
        ),
        ("market", market_level, ("market", dict(market_values or {})) if market_level != Level.LOW else None),
    ]
    best = candidates[0]
    for candidate in candidates[1:]:
        if LEVEL_ORDER[candidate[1]] > LEVEL_ORDER[best[1]]:
            best = candidate
    return best


def verdict_worse(*, level_before, level_now, tier_before, tier_now) -> bool:
    """Whether a verdict moved for the worse: the risk decides (a higher worst level is worse, a lower
    one better, whatever the tier did); with the risk unchanged, the tier (A best, D worst)."""
    step = LEVEL_ORDER.get(level_now, 0) - LEVEL_ORDER.get(level_before, 0)
    if step:
        return step > 0
    return (tier_now or "D") > (tier_before or "D")
