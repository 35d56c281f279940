"""Risk scoring (a step of the valuation run), alerts, the credit policy workflow, industry outlook."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from custnotes.bulk import bulk_update_rows
from custnotes.money import ZERO, money_sum
from custnotes.registry import registry
from customers.models import Customer, Industry
from customers.validators import credit_terms_problems
from transactions import selectors as ledger_selectors
from valuation.choices import RunStatus
from valuation.models import CustomerValuation, ValuationRun
from valuation.selectors import purchase_days

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


@transaction.atomic
def risk_score_run(run: ValuationRun, customer_ids: list[int] | None = None) -> list[CreditAssessment]:
    """Assess every customer (or those given) as of the run's date, write the snapshots, then open,
    update and resolve alerts and propose credit policies. A fixed number of queries."""
    as_of = run.as_of
    customers = Customer.objects.select_related("industry", "owner").order_by("pk")
    if customer_ids is not None:
        customers = customers.filter(pk__in=customer_ids)
    customers = list(customers)
    ids = [c.pk for c in customers]
    receivables = ledger_selectors.receivable_figures(customer_ids=ids, as_of=as_of)
    valuations = {v.customer_id: v for v in CustomerValuation.objects.filter(run=run, customer_id__in=ids)}
    portfolio_revenue = CustomerValuation.objects.filter(run=run).aggregate(total=money_sum("current_value"))["total"]
    days: dict[int, list[datetime.date]] = defaultdict(list)
    for customer_id, day, _amount in purchase_days(as_of=as_of, customer_ids=ids):
        days[customer_id].append(day)

    assessments = []
    for customer in customers:
        figures = receivables[customer.pk]
        inputs = calc.CreditInputs(
            not_due=figures.not_due,
            d1_30=figures.d1_30,
            d31_60=figures.d31_60,
            d61_90=figures.d61_90,
            over_90=figures.over_90,
            credit_limit=customer.credit_limit,
            late_share=figures.late_share,
            dso=figures.dso,
        )
        credit = calc.credit_risk(inputs)
        industry = customer.industry
        valuation = valuations.get(customer.pk)
        revenue = valuation.current_value if valuation else ZERO
        market = calc.market_risk_with_exposure(
            calc.market_risk(industry.outlook if industry else None, industry.competition if industry else None),
            open_total=inputs.open_total,
            t12m_revenue=revenue,
        )
        market_reason = (
            {
                "industry": industry.name,
                "outlook": industry.outlook,
                "competition": industry.competition,
                "open": str(inputs.open_total),
                "revenue": str(revenue),
            }
            if industry
            else {}
        )
        share = calc.concentration_with_exposure(
            calc.concentration_share(revenue, portfolio_revenue), open_total=inputs.open_total, t12m_revenue=revenue
        )
        churn = calc.churn_risk(
            p_alive=valuation.p_alive if valuation else None,
            purchase_days=days.get(customer.pk, []),
            as_of=as_of,
        )
        worst = calc.worst_level(credit.level, market, calc.churn_level(churn.at_risk), calc.concentration_level(share))
        assessments.append(
            CreditAssessment(
                run=run,
                customer=customer,
                as_of=as_of,
                open_total=inputs.open_total,
                not_due=inputs.not_due,
                d1_30=inputs.d1_30,
                d31_60=inputs.d31_60,
                d61_90=inputs.d61_90,
                over_90=inputs.over_90,
                credit_limit=customer.credit_limit,
                utilisation=_q(inputs.utilisation, "0.0001"),
                late_share=inputs.late_share,
                dso=inputs.dso,
                level=credit.level,
                reasons=_jsonable(credit.reasons),
                action=credit.action,
                market_level=market,
                market_reason=market_reason,
                concentration_share=_q(share, "0.0001"),
                churn_risk=churn.at_risk,
                churn_reason={"code": churn.reason, **{k: str(v) for k, v in churn.values.items()}},
                worst_level=worst,
            )
        )
    CreditAssessment.objects.filter(run=run, customer_id__in=ids).delete()
    CreditAssessment.objects.bulk_create(assessments, batch_size=1000)
    if customer_ids is None:
        _industry_risks(run)
    _sync_alerts(assessments, customers, as_of)
    _propose(assessments, customers)
    return assessments


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


def _wanted_alerts(assessment: CreditAssessment) -> dict[str, tuple[str, dict]]:
    """The alerts the assessment calls for: {kind: (level, details)}."""
    wanted = {}
    inputs = calc.CreditInputs(d31_60=assessment.d31_60, d61_90=assessment.d61_90, over_90=assessment.over_90)
    days = calc.overdue_alert_days(inputs)
    if days:
        # Each bucket with its own amount, the aging's figures, so the alert never lumps 31–60 days
        # in with "over 90".
        amount = assessment.d31_60 + assessment.d61_90 + assessment.over_90
        wanted[AlertKind.OVERDUE] = (
            calc.overdue_alert_level(days),
            {
                "days": days,
                "amount": str(amount),
                "over_90": str(assessment.over_90),
                "d61_90": str(assessment.d61_90),
                "d31_60": str(assessment.d31_60),
            },
        )
    if assessment.open_total > assessment.credit_limit:
        wanted[AlertKind.OVER_LIMIT] = (
            Level.HIGH,
            {"open": str(assessment.open_total), "limit": str(assessment.credit_limit)},
        )
    # The alerts carry the level the verdict and the cards give the same risk.
    if assessment.market_level == Level.HIGH:  # high only where there is exposure
        wanted[AlertKind.MARKET] = (assessment.market_level, dict(assessment.market_reason))
    if calc.is_concentrated(assessment.concentration_share):
        wanted[AlertKind.CONCENTRATION] = (
            calc.concentration_level(assessment.concentration_share),
            {"share": str(assessment.concentration_share)},
        )
    if assessment.churn_risk:
        wanted[AlertKind.CHURN] = (calc.churn_level(True), dict(assessment.churn_reason))
    return wanted


def _sync_alerts(assessments, customers, as_of) -> None:
    """Open alerts for new causes, refresh the open ones, resolve those whose cause is gone.
    Acknowledgements are kept; there is never more than one open alert per customer and kind."""
    owners = {c.pk: c.owner_id for c in customers}
    open_alerts = {
        (a.customer_id, a.kind): a
        for a in RiskAlert.objects.filter(customer_id__in=owners.keys(), resolved_at__isnull=True)
    }
    now = timezone.now()
    to_create, to_update = [], []
    seen = set()
    for assessment in assessments:
        for kind, (level, details) in _wanted_alerts(assessment).items():
            key = (assessment.customer_id, kind)
            seen.add(key)
            alert = open_alerts.get(key)
            if alert is None:
                to_create.append(
                    RiskAlert(
                        customer_id=assessment.customer_id,
                        kind=kind,
                        level=level,
                        details=details,
                        assigned_to_id=owners[assessment.customer_id],
                        opened_as_of=as_of,
                        last_seen_as_of=as_of,
                    )
                )
            else:
                alert.level, alert.details, alert.last_seen_as_of = (
                    level,
                    details,
                    max(alert.last_seen_as_of, as_of),
                )
                to_update.append(alert)
    for key, alert in open_alerts.items():
        if key not in seen:
            alert.resolved_at = now
            to_update.append(alert)
    RiskAlert.objects.bulk_create(to_create)
    bulk_update_rows(RiskAlert, to_update, ["level", "details", "last_seen_as_of", "resolved_at"])


def _propose(assessments, customers) -> None:
    """A pending proposal for each customer whose recommended action changes its credit policy."""
    by_id = {c.pk: c for c in customers}
    pending = {
        p.customer_id: p
        for p in CreditProposal.objects.filter(customer_id__in=by_id.keys(), status=ProposalStatus.PENDING)
    }
    policies = {p.customer_id: p for p in CreditPolicy.objects.filter(customer_id__in=by_id.keys())}
    # What Finance last rejected is not proposed again unchanged.
    rejected = {}
    for proposal in CreditProposal.objects.filter(
        customer_id__in=by_id.keys(), status=ProposalStatus.REJECTED
    ).order_by("customer_id", "-decided_at"):
        rejected.setdefault(proposal.customer_id, proposal)
    new = []
    refreshed = []
    for assessment in assessments:
        customer = by_id[assessment.customer_id]
        if customer.pk in pending:
            # A waiting proposal cites the latest assessment, so it agrees with the risk section.
            proposal = pending[customer.pk]
            proposal.level, proposal.reasons, proposal.as_of = assessment.level, assessment.reasons, assessment.as_of
            refreshed.append(proposal)
            continue
        proposal = calc.proposal_for(
            assessment.level,
            credit_limit=customer.credit_limit,
            payment_terms_days=customer.payment_terms_days,
        )
        if proposal is None:
            continue
        policy = policies.get(customer.pk)
        unchanged = (
            proposal["credit_limit"] == customer.credit_limit
            and proposal["payment_terms_days"] == customer.payment_terms_days
            and proposal["require_prepayment"] == bool(policy and policy.require_prepayment)
            and proposal["require_guarantee"] == bool(policy and policy.require_guarantee)
        )
        last_rejected = rejected.get(customer.pk)
        if unchanged or (
            last_rejected is not None
            and last_rejected.credit_limit == proposal["credit_limit"]
            and last_rejected.payment_terms_days == proposal["payment_terms_days"]
            and last_rejected.require_prepayment == proposal["require_prepayment"]
            and last_rejected.require_guarantee == proposal["require_guarantee"]
        ):
            continue
        new.append(
            CreditProposal(
                customer=customer,
                level=assessment.level,
                reasons=assessment.reasons,
                as_of=assessment.as_of,
                current_limit=customer.credit_limit,
                current_terms_days=customer.payment_terms_days,
                **proposal,
            )
        )
    CreditProposal.objects.bulk_create(new)
    bulk_update_rows(CreditProposal, refreshed, ["level", "reasons", "as_of"])


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
