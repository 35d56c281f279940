"""Reads for risk: the latest assessments, alerts in the user's scope, proposals, dashboard figures."""

import datetime

from django.db.models import Count, QuerySet

from custnotes.permissions import scope_queryset

from .choices import ProposalStatus
from .models import CreditAssessment, CreditProposal, IndustryChange, IndustryRisk, RiskAlert


def alert_list(*, user) -> QuerySet[RiskAlert]:
    return scope_queryset(RiskAlert.objects.all(), user, "customer__").select_related(
        "customer", "assigned_to", "acknowledged_by"
    )


def alert_get(*, user, pk) -> RiskAlert:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(alert_list(user=user), pk=pk)


def open_alert_count(user) -> int:
    """The navigation badge: open, unacknowledged alerts in the user's scope."""
    return alert_list(user=user).filter(resolved_at__isnull=True, acknowledged_at__isnull=True).count()


def alert_counts(*, user) -> dict[tuple[str, str], int]:
    """Open alerts by (kind, level), one query."""
    rows = (
        alert_list(user=user)
        .filter(resolved_at__isnull=True)
        .values("kind", "level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["kind"], row["level"]): row["n"] for row in rows}


def latest_assessment(*, customer, as_of: datetime.date | None = None) -> CreditAssessment | None:
    assessments = CreditAssessment.objects.filter(customer=customer, run__status="done")
    if as_of is not None:
        assessments = assessments.filter(as_of__lte=as_of)
    return assessments.order_by("-as_of").first()


def assessment_list(*, user, run) -> QuerySet[CreditAssessment]:
    if run is None:
        return CreditAssessment.objects.none()
    return scope_queryset(CreditAssessment.objects.filter(run=run), user, "customer__").select_related(
        "customer", "customer__team", "customer__industry"
    )


def pending_proposal(*, customer) -> CreditProposal | None:
    return CreditProposal.objects.filter(customer=customer, status=ProposalStatus.PENDING).first()


def proposal_list(*, user) -> QuerySet[CreditProposal]:
    return scope_queryset(CreditProposal.objects.all(), user, "customer__").select_related("customer", "decided_by")


def industry_risks(*, run) -> QuerySet[IndustryRisk]:
    if run is None:
        return IndustryRisk.objects.none()
    return IndustryRisk.objects.filter(run=run).select_related("industry").order_by("-t12m_revenue")


def top_overdue_debtors(*, assessments: QuerySet[CreditAssessment], limit: int) -> list[CreditAssessment]:
    """The customers with the most money more than 30 days past due, oldest money first."""
    return list(
        assessments.filter(open_total__gt=0)
        .exclude(d31_60=0, d61_90=0, over_90=0)
        .order_by("-over_90", "-d61_90", "-d31_60")[:limit]
    )


def concentration(*, assessments: QuerySet[CreditAssessment], limit: int) -> tuple[list[CreditAssessment], object]:
    """The customers with the largest shares of portfolio revenue, and the share of all the others."""
    shares = list(assessments.filter(concentration_share__isnull=False).order_by("-concentration_share")[:limit])
    return shares, 1 - sum((s.concentration_share for s in shares), 0)


def industry_change_list(*, limit: int = 30) -> list[IndustryChange]:
    """The latest changes of industry outlooks, newest first, with who made them."""
    return list(IndustryChange.objects.select_related("industry", "changed_by")[:limit])
