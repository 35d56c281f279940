"""The risk section of the notebook: credit level with reasons and action, churn, concentration,
market risk, open alerts (acknowledge), and a pending credit proposal (Finance decides)."""

from . import calculations
from .choices import Level
from .forms import AcknowledgeForm, ProposalDecisionForm
from .models import CreditPolicy
from .selectors import alert_list, latest_assessment, pending_proposal
from .texts import action_text, alert_text, churn_text, reasons_text


def risk_context(*, customer, user, as_of, params=None):
    assessment = latest_assessment(customer=customer, as_of=as_of)
    proposal = pending_proposal(customer=customer)
    alerts = list(alert_list(user=user).filter(customer=customer, resolved_at__isnull=True))
    policy = CreditPolicy.objects.filter(customer=customer).first()
    return {
        "customer": customer,
        "assessment": assessment,
        "reasons": reasons_text(assessment.reasons) if assessment else [],
        "action": action_text(assessment.action) if assessment else "",
        "churn": churn_text(assessment.churn_reason) if assessment and assessment.churn_risk else "",
        # each kind's level as the verdict and the alerts give it: (level, its label)
        "levels": _levels(assessment) if assessment else {},
        "alerts": [(alert, alert_text(alert)) for alert in alerts],
        "ack_form": AcknowledgeForm() if user.has_perm("risk.change_riskalert") else None,
        "proposal": proposal,
        "proposal_reasons": reasons_text(proposal.reasons) if proposal else [],
        "decision_form": ProposalDecisionForm(
            initial={
                "credit_limit": proposal.credit_limit,
                "payment_terms_days": proposal.payment_terms_days,
                "require_prepayment": proposal.require_prepayment,
                "require_guarantee": proposal.require_guarantee,
            }
        )
        if proposal and user.has_perm("risk.decide_creditproposal")
        else None,
        "policy": policy,
    }


def _levels(assessment) -> dict:
    levels = {
        "credit": assessment.level,
        "market": assessment.market_level,
        "churn": calculations.churn_level(assessment.churn_risk),
        "concentration": calculations.concentration_level(assessment.concentration_share),
    }
    return {kind: (level, Level(level).label) for kind, level in levels.items()}
