"""Risk reasons, actions and alerts in words, in the user's language (the snapshots store codes)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from custnotes.money import format_money
from custnotes.tables import format_percent

from .choices import AlertKind, Level

ACTION_TEXTS = {
    "stop_credit": lambda: _("Stop credit; ask for prepayment or a guarantee."),
    "shorten_terms": lambda: _("Shorten the payment terms."),
    "standard_terms": lambda: _("Standard terms."),
}


def action_text(action: str) -> str:
    return ACTION_TEXTS.get(action, lambda: action)()


def reason_text(code: str, values: dict) -> str:
    if code == "over_90":
        return _("%(amount)s over 90 days past due") % {"amount": format_money(values["amount"])}
    if code == "over_limit":
        return _("%(open)s open, over the credit limit of %(limit)s") % {
            "open": format_money(values["open"]),
            "limit": format_money(values["limit"]),
        }
    if code == "late_share":
        return _("%(share)s of the last 12 months' invoices paid late") % {
            "share": format_percent(Decimal(values["share"]))
        }
    if code == "overdue_31_90":
        return _("%(amount)s 31–90 days past due") % {"amount": format_money(values["amount"])}
    if code == "utilisation":
        return _("%(share)s of the credit limit used") % {"share": format_percent(Decimal(values["share"]))}
    return code


def reasons_text(reasons) -> list[str]:
    return [reason_text(code, values) for code, values in reasons]


def churn_text(reason: dict) -> str:
    if reason.get("code") == "p_alive":
        return _("Probably no longer buying: P(alive) %(p)s") % {"p": format_percent(Decimal(reason["p_alive"]))}
    if reason.get("code") == "gap":
        return _("No purchase for %(days)s days, more than twice the usual %(gap)s") % {
            "days": reason["days"],
            "gap": reason["median_gap"],
        }
    return ""


OVERDUE_BUCKETS = (
    ("over_90", lambda: _("%(amount)s over 90 days past due")),
    ("d61_90", lambda: _("%(amount)s 61–90 days past due")),
    ("d31_60", lambda: _("%(amount)s 31–60 days past due")),
)


def overdue_text(details: dict) -> str:
    """Each overdue bucket the alert cites with its own amount, oldest first, as the aging shows them."""
    parts = [
        text() % {"amount": format_money(details[key])}
        for key, text in OVERDUE_BUCKETS
        if Decimal(str(details.get(key) or 0)) > 0
    ]
    if not parts and details.get("amount"):  # alerts stored before the buckets were recorded
        return _("%(amount)s more than %(days)s days past due") % {
            "amount": format_money(details.get("amount")),
            "days": details.get("days"),
        }
    return _("; ").join(parts)


def market_text(values: dict) -> str:
    """Why the market risk is high, with the figures: the industry, what makes it risky, and the money
    exposed to it (what the customer owes, what it bought in the last 12 months)."""
    if not values.get("industry"):
        return _("the industry's outlook or competition")
    causes = []
    if values.get("outlook") == "declining":
        causes.append(str(_("declining outlook")))
    if values.get("competition") == "high":
        causes.append(str(_("high competition")))
    return _("%(industry)s (%(causes)s): %(open)s owed, %(revenue)s bought in the last 12 months") % {
        "industry": values["industry"],
        "causes": _(", ").join(causes) or _("outlook or competition"),
        "open": format_money(values.get("open") or 0),
        "revenue": format_money(values.get("revenue") or 0),
    }


def alert_text(alert) -> str:
    d = alert.details or {}
    if alert.kind == AlertKind.OVERDUE:
        return overdue_text(d)
    if alert.kind == AlertKind.OVER_LIMIT:
        return _("%(open)s open, over the credit limit of %(limit)s") % {
            "open": format_money(d.get("open")),
            "limit": format_money(d.get("limit")),
        }
    if alert.kind == AlertKind.MARKET:
        return market_text(d) if d.get("industry") else _("Open receivables in an industry at high market risk")
    if alert.kind == AlertKind.CONCENTRATION:
        return _("%(share)s of the portfolio's revenue in the last 12 months") % {
            "share": format_percent(Decimal(d.get("share", "0")))
        }
    if alert.kind == AlertKind.CHURN:
        return churn_text(d)
    return str(alert.get_kind_display())


KIND_TEXTS = {
    "credit": lambda: _("credit risk"),
    "churn": lambda: _("churn risk"),
    "concentration": lambda: _("concentration risk"),
    "market": lambda: _("market risk"),
}
LEVEL_TEXTS = {"high": lambda: _("high"), "medium": lambda: _("medium"), "low": lambda: _("low")}


def verdict_text(*, tier: str | None, kind: str, level: str, reason, action: str) -> str:
    """The verdict in one line: "A · credit risk high: ¥48,200.00 over 90 days past due; Stop credit…".
    Without a tier (not scored yet) the line starts with "—"."""
    head = f"{tier or '—'} · {KIND_TEXTS[kind]()} {LEVEL_TEXTS[level]()}"
    detail = ""
    if reason is not None:
        code, values = reason
        if code == "churn":
            detail = churn_text(values)
        elif code == "concentration":
            detail = _("%(share)s of the portfolio's revenue in the last 12 months") % {
                "share": format_percent(Decimal(str(values["share"])))
            }
        elif code == "market":
            detail = market_text(values)
        else:
            detail = reason_text(code, values)
    line = _("%(head)s: %(detail)s") % {"head": head, "detail": detail} if detail else head
    if kind == "credit" or level == Level.LOW:  # kind: the verdict's risk (credit, market, churn)
        line = _("%(verdict)s; %(action)s") % {"verdict": line, "action": action_text(action)}
    return line


def verdict_for(assessment, tier: str | None) -> str:
    """The verdict of a stored assessment and tier."""
    from .calculations import worst_risk

    if assessment is None:
        return ""
    kind, level, reason = worst_risk(
        credit_level=assessment.level,
        credit_reasons=assessment.reasons,
        market_level=assessment.market_level,
        churn=assessment.churn_risk,
        churn_reason=assessment.churn_reason,
        concentration=assessment.concentration_share,
        market_values=assessment.market_reason,
    )
    return verdict_text(tier=tier, kind=kind, level=level, reason=reason, action=assessment.action)
