"""Risk reasons, actions and alerts in words, in the user's language (the snapshots store codes)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from custnotes.money import format_money
from custnotes.tables import format_percent

from .choices import AlertKind

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
        return _("Probably no longer buying: P(alive) %(p)s") % {
            "p": format_percent(Decimal(reason["p_alive"]))
        }
    if reason.get("code") == "gap":
        return _("No purchase for %(days)s days, more than twice the usual %(gap)s") % {
            "days": reason["days"],
            "gap": reason["median_gap"],
        }
    return ""


def alert_text(alert) -> str:
    d = alert.details or {}
    if alert.kind == AlertKind.OVERDUE:
        return _("%(amount)s more than %(days)s days past due") % {
            "amount": format_money(d.get("amount")),
            "days": d.get("days"),
        }
    if alert.kind == AlertKind.OVER_LIMIT:
        return _("%(open)s open, over the credit limit of %(limit)s") % {
            "open": format_money(d.get("open")),
            "limit": format_money(d.get("limit")),
        }
    if alert.kind == AlertKind.MARKET:
        return _("Open receivables in an industry at high market risk")
    if alert.kind == AlertKind.CONCENTRATION:
        return _("%(share)s of the portfolio's revenue in the last 12 months") % {
            "share": format_percent(Decimal(d.get("share", "0")))
        }
    if alert.kind == AlertKind.CHURN:
        return churn_text(d)
    return str(alert.get_kind_display())
