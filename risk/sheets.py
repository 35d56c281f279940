"""Risk in the workbook: the credit risk and verdict columns of the summary, the risk alerts sheet."""

from types import SimpleNamespace

from custnotes.identity import exported_id
from custnotes.registry import SheetSpec, SummaryColumn, SummaryProvider
from custnotes.workbook import batch_range
from valuation.sheets import snapshot_rows

from .choices import Level
from .models import CreditAssessment, RiskAlert
from .texts import alert_text, verdict_for

COLUMNS = (
    SummaryColumn(key="credit_risk", header_zh="信用风险", header_en="Credit risk", order=40),
    SummaryColumn(key="verdict", header_zh="判断", header_en="Verdict", order=50),
    SummaryColumn(key="worst_level", header_zh="最高风险", header_en="Worst risk", order=51, export=False),
)


# What the verdict (texts.verdict_for) reads of an assessment.
VERDICT_FIELDS = (
    "level",
    "reasons",
    "market_level",
    "churn_risk",
    "churn_reason",
    "concentration_share",
    "market_reason",
    "action",
    "worst_level",
)


def summary(*, customers, as_of):
    from valuation.selectors import latest_run

    run = latest_run(as_of=as_of)
    if run is None:
        return {}
    ids = [c.pk for c in customers]
    # the fields the columns and the verdict read, not a model instance (and its customer) per row
    found = CreditAssessment.objects.filter(batch_range(ids), run=run, customer__in=ids).values(
        "customer_id", *VERDICT_FIELDS
    )
    tiers = dict(snapshot_rows(customers=customers, as_of=as_of).values_list("customer_id", "tier"))
    levels = {value: str(label) for value, label in Level.choices}
    result = {}
    for row in found:
        customer_id = row.pop("customer_id")
        assessment = SimpleNamespace(**row)
        result[customer_id] = {
            "credit_risk": levels.get(assessment.level, assessment.level),
            "verdict": verdict_for(assessment, tiers.get(customer_id)),
            "worst_level": assessment.worst_level,
        }
    return result


HEADERS = (
    "客户编号 / Customer ID",
    "类型 / Kind",
    "级别 / Level",
    "内容 / What",
    "首次发现 / First seen",
    "负责人 / Assigned to",
    "确认人 / Acknowledged by",
    "确认说明 / Acknowledgement",
    "解除时间 / Resolved",
)


def rows(*, customers, as_of):
    names = {c.pk: exported_id(c.external_id, c.pk) for c in customers}
    alerts = (
        RiskAlert.objects.filter(batch_range(names), customer__in=list(names), opened_as_of__lte=as_of)
        .select_related("assigned_to", "acknowledged_by")
        .order_by("customer_id", "opened_at")
    )
    for a in alerts.iterator(chunk_size=2000):
        yield (
            names[a.customer_id],
            str(a.get_kind_display()),
            str(a.get_level_display()),
            alert_text(a),
            a.opened_as_of,
            a.assigned_to.username if a.assigned_to else "",
            a.acknowledged_by.username if a.acknowledged_by else "",
            a.acknowledgement,
            a.resolved_at,
        )


PROVIDER = SummaryProvider(name="risk", columns=COLUMNS, compute=summary, order=50)
SHEET = SheetSpec(name="risk_alerts", title="风险预警 Risk alerts", headers=HEADERS, rows=rows, order=50)
