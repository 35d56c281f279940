"""Risk scoring (a step of the valuation run), alerts, the credit policy workflow, industry outlook."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from custnotes.bulk import insert_rows, update_rows
from custnotes.money import ZERO, money_sum
from custnotes.registry import registry
from customers.models import Customer, Industry
from customers.validators import credit_terms_problems
from transactions import selectors as ledger_selectors
from valuation.choices import RunStatus
from valuation.models import CustomerValuation, ValuationRun
from valuation.selectors import customer_ranges, customers_filter, purchase_days

from . import calculations as calc
from .choices import AlertKind, Level, ProposalStatus
from .models import (
    CreditAssessment,
    CreditPolicy,
    CreditProposal,
    IndustryChange,
    IndustryRisk,
    RiskAlert,
    RiskSettings,
)


def _jsonable(reasons):
    return [[code, {k: str(v) for k, v in values.items()}] for code, values in reasons]


CHUNK_SIZE = 2000  # customers assessed together: a range of ids per batch of queries and writes

# What an assessment stores besides its run and date, in the order _assess gives them.
ASSESSMENT_FIELDS = (
    "customer_id",
    "open_total",
    "not_due",
    "d1_30",
    "d31_60",
    "d61_90",
    "over_90",
    "credit_limit",
    "utilisation",
    "late_share",
    "dso",
    "level",
    "reasons",
    "action",
    "market_level",
    "market_reason",
    "concentration_share",
    "churn_risk",
    "churn_reason",
    "worst_level",
)


@transaction.atomic
def risk_score_run(run: ValuationRun, customer_ids: list[int] | None = None) -> int:
    """Assess every customer (or those given) as of the run's date, write the snapshots, then open,
    update and resolve alerts and propose credit policies; returns how many were assessed. Customers
    go in chunks (ranges of ids for the whole portfolio), each a fixed number of queries, so memory
    stays that of one chunk whatever the size of the portfolio."""
    portfolio_revenue = CustomerValuation.objects.filter(run=run).aggregate(total=money_sum("current_value"))["total"]
    industries = Industry.objects.in_bulk()
    if customer_ids is None:
        chunks = [span for span, _count in customer_ranges(size=CHUNK_SIZE)]
    else:
        ids = sorted(set(customer_ids))
        chunks = [ids[start : start + CHUNK_SIZE] for start in range(0, len(ids), CHUNK_SIZE)]
    assessed = sum(_score_chunk(run, customers, portfolio_revenue, industries) for customers in chunks)
    if customer_ids is None:
        _industry_risks(run)
    return assessed


def _score_chunk(run: ValuationRun, customers, portfolio_revenue: Decimal, industries: dict) -> int:
    """Assess one chunk's customers (an IdRange or ids): write their assessments, sync their alerts
    and proposals."""
    as_of = run.as_of
    rows = list(
        Customer.objects.filter(customers_filter("pk", customers))
        .order_by("pk")
        .values_list("pk", "credit_limit", "payment_terms_days", "owner_id", "industry_id")
    )
    ids = [row[0] for row in rows]
    receivables = ledger_selectors.receivable_figures(customer_ids=ids, as_of=as_of)
    in_run = CustomerValuation.objects.filter(customers_filter("customer_id", customers), run=run)
    valuations = {
        customer_id: (revenue, p_alive, recency)
        for customer_id, revenue, p_alive, recency in in_run.values_list(
            "customer_id", "current_value", "p_alive", "recency_days"
        )
    }
    # Churn needs every purchase day only where the model gives no P(alive); elsewhere the last one,
    # which the valuation has (its days since the last sale).
    days: dict[int, list[datetime.date]] = defaultdict(list)
    unmodelled = (
        Customer.objects.filter(customers_filter("pk", customers))
        .exclude(pk__in=in_run.filter(p_alive__isnull=False).values("customer_id"))
        .values("pk")
    )
    for customer_id, day, _amount in purchase_days(as_of=as_of, customer_ids=unmodelled):
        days[customer_id].append(day)

    assessments = []
    for pk, credit_limit, _terms, _owner, industry_id in rows:
        valuation = valuations.get(pk)
        if valuation is not None and valuation[1] is not None:
            history = [] if valuation[2] is None else [as_of - datetime.timedelta(days=valuation[2])]
        else:
            history = days.get(pk, [])
        assessments.append(
            _assess(
                receivables[pk],
                credit_limit=credit_limit,
                industry=industries.get(industry_id),
                revenue=valuation[0] if valuation else ZERO,
                p_alive=valuation[1] if valuation else None,
                purchase_days=history,
                portfolio_revenue=portfolio_revenue,
                as_of=as_of,
            )
            | {"customer_id": pk}
        )
    CreditAssessment.objects.filter(customers_filter("customer_id", customers), run=run).delete()
    insert_rows(
        CreditAssessment,
        ("run_id", "as_of", *ASSESSMENT_FIELDS),
        ((run.pk, as_of, *(a[name] for name in ASSESSMENT_FIELDS)) for a in assessments),
    )
    owners = {row[0]: row[3] for row in rows}
    _sync_alerts(assessments, customers, owners, as_of)
    _propose(assessments, customers, {row[0]: row for row in rows}, as_of)
    return len(assessments)


def _assess(
    figures,
    *,
    credit_limit: Decimal,
    industry: Industry | None,
    revenue: Decimal,
    p_alive: float | None,
    purchase_days: list,
    portfolio_revenue: Decimal,
    as_of: datetime.date,
) -> dict:
    """One customer's assessment ({field: value}, ASSESSMENT_FIELDS but the customer) from its
    receivables figures, its valuation in the run and its industry."""
    inputs = calc.CreditInputs(
        not_due=figures.not_due,
        d1_30=figures.d1_30,
        d31_60=figures.d31_60,
        d61_90=figures.d61_90,
        over_90=figures.over_90,
        credit_limit=credit_limit,
        late_share=figures.late_share,
        dso=figures.dso,
    )
    credit = calc.credit_risk(inputs)
    open_total = inputs.open_total
    market = calc.market_risk_with_exposure(
        calc.market_risk(industry.outlook if industry else None, industry.competition if industry else None),
        open_total=open_total,
        t12m_revenue=revenue,
    )
    market_reason = (
        {
            "industry": industry.name,
            "outlook": industry.outlook,
            "competition": industry.competition,
            "open": str(open_total),
            "revenue": str(revenue),
        }
        if industry
        else {}
    )
    share = calc.concentration_with_exposure(
        calc.concentration_share(revenue, portfolio_revenue), open_total=open_total, t12m_revenue=revenue
    )
    churn = calc.churn_risk(p_alive=p_alive, purchase_days=purchase_days, as_of=as_of)
    worst = calc.worst_level(credit.level, market, calc.churn_level(churn.at_risk), calc.concentration_level(share))
    return {
        "open_total": open_total,
        "not_due": inputs.not_due,
        "d1_30": inputs.d1_30,
        "d31_60": inputs.d31_60,
        "d61_90": inputs.d61_90,
        "over_90": inputs.over_90,
        "credit_limit": credit_limit,
        "utilisation": _q(inputs.utilisation, "0.0001"),
        "late_share": inputs.late_share,
        "dso": inputs.dso,
        "level": credit.level,
        "reasons": _jsonable(credit.reasons),
        "action": credit.action,
        "market_level": market,
        "market_reason": market_reason,
        "concentration_share": _q(share, "0.0001"),
        "churn_risk": churn.at_risk,
        "churn_reason": {"code": churn.reason, **{k: str(v) for k, v in churn.values.items()}},
        "worst_level": worst,
    }


def _q(value, places: str):
    return None if value is None else Decimal(value).quantize(Decimal(places))


def _industry_risks(run: ValuationRun) -> None:
    IndustryRisk.objects.filter(run=run).delete()
    revenue = {
        row["customer__industry"]: row
        for row in CustomerValuation.objects.filter(run=run, customer__industry__isnull=False)
        .values("customer__industry")
        .annotate(total=money_sum("current_value"), n=Count("pk"))
        .order_by()
    }
    IndustryRisk.objects.bulk_create(
        IndustryRisk(
            run=run,
            industry=industry,
            as_of=run.as_of,
            outlook=industry.outlook,
            competition=industry.competition,
            level=calc.market_risk(industry.outlook, industry.competition),
            customers=revenue.get(industry.pk, {}).get("n", 0),
            t12m_revenue=revenue.get(industry.pk, {}).get("total", ZERO),
        )
        for industry in Industry.objects.all()
    )


def _wanted_alerts(assessment: dict) -> dict[str, tuple[str, dict]]:
    """The alerts the assessment ({field: value}) calls for: {kind: (level, details)}."""
    wanted = {}
    d31_60, d61_90, over_90 = assessment["d31_60"], assessment["d61_90"], assessment["over_90"]
    days = calc.overdue_alert_days(calc.CreditInputs(d31_60=d31_60, d61_90=d61_90, over_90=over_90))
    if days:
        # Each bucket with its own amount, the aging's figures, so the alert never lumps 31–60 days
        # in with "over 90".
        wanted[AlertKind.OVERDUE] = (
            calc.overdue_alert_level(days),
            {
                "days": days,
                "amount": str(d31_60 + d61_90 + over_90),
                "over_90": str(over_90),
                "d61_90": str(d61_90),
                "d31_60": str(d31_60),
            },
        )
    if assessment["open_total"] > assessment["credit_limit"]:
        wanted[AlertKind.OVER_LIMIT] = (
            Level.HIGH,
            {"open": str(assessment["open_total"]), "limit": str(assessment["credit_limit"])},
        )
    # The alerts carry the level the verdict and the cards give the same risk.
    if assessment["market_level"] == Level.HIGH:  # high only where there is exposure
        wanted[AlertKind.MARKET] = (assessment["market_level"], dict(assessment["market_reason"]))
    share = assessment["concentration_share"]
    if calc.is_concentrated(share):
        wanted[AlertKind.CONCENTRATION] = (calc.concentration_level(share), {"share": str(share)})
    if assessment["churn_risk"]:
        wanted[AlertKind.CHURN] = (calc.churn_level(True), dict(assessment["churn_reason"]))
    return wanted


def _sync_alerts(assessments: list[dict], customers, owners: dict[int, int | None], as_of) -> None:
    """Open alerts for new causes, refresh the open ones, resolve those whose cause is gone.
    Acknowledgements are kept; there is never more than one open alert per customer and kind."""
    open_alerts = {
        (a.customer_id, a.kind): a
        for a in RiskAlert.objects.filter(customers_filter("customer_id", customers), resolved_at__isnull=True)
    }
    now = timezone.now()
    to_create, to_update = [], []
    seen = set()
    for assessment in assessments:
        customer_id = assessment["customer_id"]
        for kind, (level, details) in _wanted_alerts(assessment).items():
            key = (customer_id, kind)
            seen.add(key)
            alert = open_alerts.get(key)
            if alert is None:
                to_create.append(
                    RiskAlert(
                        customer_id=customer_id,
                        kind=kind,
                        level=level,
                        details=details,
                        assigned_to_id=owners[customer_id],
                        opened_as_of=as_of,
                        last_seen_as_of=as_of,
                    )
                )
                continue
            alert.level, alert.details = level, details
            alert.last_seen_as_of = max(alert.last_seen_as_of, as_of)
            to_update.append(alert)
    for key, alert in open_alerts.items():
        if key not in seen:
            alert.resolved_at = now
            to_update.append(alert)
    RiskAlert.objects.bulk_create(to_create, batch_size=1000)
    fields = ("level", "details", "last_seen_as_of", "resolved_at")
    update_rows(RiskAlert, fields, [(alert.pk, *(getattr(alert, name) for name in fields)) for alert in to_update])


def _propose(assessments: list[dict], customers, by_id: dict[int, tuple], as_of: datetime.date) -> None:
    """A pending proposal for each customer whose recommended action changes its credit policy.
    `by_id`: {customer id: (id, credit limit, payment terms, owner, industry)}."""
    chosen = customers_filter("customer_id", customers)
    pending = {p.customer_id: p for p in CreditProposal.objects.filter(chosen, status=ProposalStatus.PENDING)}
    policies = {
        customer_id: (prepayment, guarantee)
        for customer_id, prepayment, guarantee in CreditPolicy.objects.filter(chosen).values_list(
            "customer_id", "require_prepayment", "require_guarantee"
        )
    }
    # What Finance last rejected is not proposed again unchanged.
    rejected = {}
    for customer_id, *terms in (
        CreditProposal.objects.filter(chosen, status=ProposalStatus.REJECTED)
        .order_by("customer_id", "-decided_at")
        .values_list("customer_id", "credit_limit", "payment_terms_days", "require_prepayment", "require_guarantee")
    ):
        rejected.setdefault(customer_id, tuple(terms))
    new = []
    refreshed = []
    for assessment in assessments:
        customer_id = assessment["customer_id"]
        _pk, credit_limit, terms_days, _owner, _industry = by_id[customer_id]
        if customer_id in pending:
            # A waiting proposal cites the latest assessment, so it agrees with the risk section.
            proposal = pending[customer_id]
            if (proposal.level, proposal.reasons, proposal.as_of) != (
                assessment["level"],
                assessment["reasons"],
                as_of,
            ):
                proposal.level, proposal.reasons, proposal.as_of = assessment["level"], assessment["reasons"], as_of
                refreshed.append(proposal)
            continue
        proposal = calc.proposal_for(assessment["level"], credit_limit=credit_limit, payment_terms_days=terms_days)
        if proposal is None:
            continue
        prepayment, guarantee = policies.get(customer_id, (False, False))
        terms = (
            proposal["credit_limit"],
            proposal["payment_terms_days"],
            proposal["require_prepayment"],
            proposal["require_guarantee"],
        )
        if terms == (credit_limit, terms_days, prepayment, guarantee) or rejected.get(customer_id) == terms:
            continue
        new.append(
            CreditProposal(
                customer_id=customer_id,
                level=assessment["level"],
                reasons=assessment["reasons"],
                as_of=as_of,
                current_limit=credit_limit,
                current_terms_days=terms_days,
                **proposal,
            )
        )
    CreditProposal.objects.bulk_create(new, batch_size=1000)
    update_rows(CreditProposal, ("level", "reasons", "as_of"), [(p.pk, p.level, p.reasons, p.as_of) for p in refreshed])


# --- people act on it -----------------------------------------------------------------------------


@transaction.atomic
def alert_acknowledge(*, alert: RiskAlert, user, note: str) -> RiskAlert:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what is being done about it.")})
    alert.acknowledged_by = user
    alert.acknowledged_at = timezone.now()
    alert.acknowledgement = note[:300]
    alert.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement"])
    return alert


@transaction.atomic
def proposal_decide(
    *,
    proposal: CreditProposal,
    user,
    approve: bool,
    note: str = "",
    credit_limit: Decimal | None = None,
    payment_terms_days: int | None = None,
    require_prepayment: bool | None = None,
    require_guarantee: bool | None = None,
) -> CreditProposal:
    """Approve (applying the policy to the customer, values as proposed or as Finance adjusted them)
    or reject a pending proposal; either way the decision is recorded on the proposal."""
    proposal = CreditProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        raise ValidationError(_("This proposal has already been decided."))
    if approve:
        if problems := credit_terms_problems(credit_limit=credit_limit, payment_terms_days=payment_terms_days):
            raise ValidationError(problems)
        if credit_limit is not None:
            proposal.credit_limit = credit_limit
        if payment_terms_days is not None:
            proposal.payment_terms_days = payment_terms_days
        if require_prepayment is not None:
            proposal.require_prepayment = require_prepayment
        if require_guarantee is not None:
            proposal.require_guarantee = require_guarantee
        customer = Customer.objects.select_for_update().get(pk=proposal.customer_id)
        customer.credit_limit = proposal.credit_limit
        customer.payment_terms_days = proposal.payment_terms_days
        customer.save(update_fields=["credit_limit", "payment_terms_days", "updated_at"])
        CreditPolicy.objects.update_or_create(
            customer=customer,
            defaults={
                "require_prepayment": proposal.require_prepayment,
                "require_guarantee": proposal.require_guarantee,
            },
        )
        registry.customers_changed([customer.pk])  # a new limit or terms: the credit risk moves
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.decision_note = (note or "").strip()[:300]
    proposal.save()
    return proposal


@transaction.atomic
def industry_outlook_change(*, industry: Industry, user, outlook: str, competition: str, reason: str) -> Industry:
    """Change an industry's outlook or competition, recording who, when and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the outlook changes.")})
    if outlook == industry.outlook and competition == industry.competition:
        raise ValidationError(_("Nothing changed."))
    IndustryChange.objects.create(
        industry=industry,
        changed_by=user,
        old_outlook=industry.outlook,
        new_outlook=outlook,
        old_competition=industry.competition,
        new_competition=competition,
        reason=reason[:300],
    )
    industry.outlook, industry.competition = outlook, competition
    industry.save(update_fields=["outlook", "competition"])
    registry.customers_changed(Customer.objects.filter(industry=industry).values_list("pk", flat=True))
    return industry


@transaction.atomic
def risk_settings_update(*, block_risky_sales: bool) -> RiskSettings:
    settings_row = RiskSettings.load()
    settings_row.block_risky_sales = block_risky_sales
    settings_row.save()
    return settings_row


def sale_check_prepare(*, customer_ids, new_customers: dict | None = None) -> dict:
    """What the credit check of sales needs about these customers, in a fixed number of queries:
    the setting, each customer's name, limit and open amount now, and who is at high credit risk.
    `new_customers` {key: (name, limit)} are not written yet: nothing open, never assessed."""
    ids = list(customer_ids)
    latest: dict[int, str] = {}
    for customer_id, level in (
        CreditAssessment.objects.filter(customer_id__in=ids, run__status=RunStatus.DONE)
        .order_by("customer_id", "-as_of")
        .values_list("customer_id", "level")
    ):
        latest.setdefault(customer_id, level)  # the newest assessment of each customer comes first
    return {
        "block": RiskSettings.load().block_risky_sales,
        "customers": {
            **(new_customers or {}),
            **{
                pk: (name, limit)
                for pk, name, limit in Customer.objects.filter(pk__in=ids).values_list("pk", "name", "credit_limit")
            },
        },
        "open": ledger_selectors.open_receivables_by_customer(customer_ids=ids),
        "high_risk": {pk for pk, level in latest.items() if level == Level.HIGH},
    }


def sale_check(prepared: dict, *, customer_id: int, amount: Decimal) -> list[tuple[str, bool]]:
    """Before a sale: warn (or, with the setting on, refuse) when it would take the customer over its
    credit limit or the customer is at high credit risk."""
    block = prepared["block"]
    name, limit = prepared["customers"][customer_id]
    problems = []
    total = prepared["open"].get(customer_id, ZERO) + amount
    if total > limit:
        problems.append(
            (
                _("This sale takes %(name)s to %(total)s open, over the credit limit of %(limit)s.")
                % {"name": name, "total": _money(total), "limit": _money(limit)},
                block,
            )
        )
    if customer_id in prepared["high_risk"]:
        problems.append((_("%(name)s is at high credit risk.") % {"name": name}, block))
    return problems


def _money(value):
    from custnotes.money import format_money

    return format_money(value)
