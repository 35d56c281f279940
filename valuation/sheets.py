"""Customer value in the workbook: P(alive), predicted and potential value, tier and segment (from
the latest scoring run on or before the as-of date) and the valuation sheet."""

from custnotes.identity import exported_id
from custnotes.registry import SheetSpec, SummaryColumn, SummaryProvider

from .models import CustomerValuation
from .selectors import latest_run

COLUMNS = (
    SummaryColumn(key="p_alive", header_zh="活跃概率", header_en="P(alive)", order=41, kind="ratio"),
    SummaryColumn(
        key="predicted_value", header_zh="预测12个月价值", header_en="Predicted 12-month value", order=42, kind="money"
    ),
    SummaryColumn(key="potential_value", header_zh="潜在价值", header_en="Potential value", order=43, kind="money"),
    SummaryColumn(key="tier", header_zh="价值等级", header_en="Tier", order=44),
    SummaryColumn(key="segment", header_zh="客户分群", header_en="Segment", order=45),
    # the date the scores are as of (the run's), and when they were computed (the run, or a re-scoring
    # after a write): the pages say both beside the live figures
    SummaryColumn(
        key="scored_as_of", header_zh="评分日期", header_en="Scored as of", order=46, kind="date", export=False
    ),
    SummaryColumn(
        key="scored_at", header_zh="评分时间", header_en="Scored at", order=47, kind="datetime", export=False
    ),
)


def snapshots(*, customers, as_of) -> dict[int, CustomerValuation]:
    run = latest_run(as_of=as_of)
    if run is None:
        return {}
    return {v.customer_id: v for v in CustomerValuation.objects.filter(run=run, customer__in=[c.pk for c in customers])}


def summary(*, customers, as_of):
    rows = snapshots(customers=customers, as_of=as_of)
    return {
        customer_id: {
            "p_alive": v.p_alive,
            "predicted_value": v.predicted_value,
            "potential_value": v.potential_value,
            "tier": v.tier,
            "segment": str(v.get_segment_display()) if v.segment else "",
            "scored_as_of": v.as_of,
            "scored_at": v.scored_at,
        }
        for customer_id, v in rows.items()
    }


HEADERS = (
    "客户编号 / Customer ID",
    "评分日期 / As of",
    "价值等级 / Tier",
    "客户分群 / Segment",
    "R",
    "F",
    "M",
    "当前价值 / Current value",
    "近12个月购买次数 / T12M purchases",
    "近12个月贡献利润 / T12M contribution profit",
    "活跃概率 / P(alive)",
    "预计购买次数 / Expected purchases",
    "预计单次购买金额 / Expected purchase value",
    "预测12个月价值 / Predicted 12-month value",
    "潜在价值 / Potential value",
    "说明 / Note",
)


def rows(*, customers, as_of):
    names = {c.pk: exported_id(c.external_id, c.pk) for c in customers}
    for customer_id, v in sorted(snapshots(customers=customers, as_of=as_of).items()):
        yield (
            names[customer_id],
            v.as_of,
            v.tier,
            str(v.get_segment_display()) if v.segment else "",
            v.r_score,
            v.f_score,
            v.m_score,
            v.current_value,
            v.t12m_purchases,
            v.t12m_contribution,
            v.p_alive,
            v.expected_purchases,
            v.expected_value,
            v.predicted_value,
            v.potential_value,
            str(v.get_history_note_display()) if v.history_note else "",
        )


PROVIDER = SummaryProvider(name="valuation", columns=COLUMNS, compute=summary, order=40)
SHEET = SheetSpec(name="valuation", title="价值 Valuation", headers=HEADERS, rows=rows, order=40)
