"""Customer value in the workbook: P(alive), predicted and potential value, tier and segment (from
the latest scoring run on or before the as-of date) and the valuation sheet."""

from custnotes.identity import exported_id
from custnotes.registry import SheetSpec, SummaryColumn, SummaryProvider
from custnotes.workbook import batch_range

from .choices import Segment
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


def snapshot_rows(*, customers, as_of):
    """The customers' rows of the latest scoring run on or before `as_of` (a queryset; none when
    nothing was scored yet), bounded by the batch's range of ids."""
    run = latest_run(as_of=as_of)
    if run is None:
        return CustomerValuation.objects.none()
    ids = [c.pk for c in customers]
    return CustomerValuation.objects.filter(batch_range(ids), run=run, customer__in=ids)


def snapshots(*, customers, as_of) -> dict[int, CustomerValuation]:
    return {v.customer_id: v for v in snapshot_rows(customers=customers, as_of=as_of)}


SUMMARY_FIELDS = ("p_alive", "predicted_value", "potential_value", "tier", "segment", "as_of", "scored_at")


def summary(*, customers, as_of):
    # the summary's few fields, not a model instance per customer; each label once a batch
    segments = {value: str(label) for value, label in Segment.choices}
    result = {}
    for customer_id, p_alive, predicted, potential, tier, segment, scored_as_of, scored_at in snapshot_rows(
        customers=customers, as_of=as_of
    ).values_list("customer_id", *SUMMARY_FIELDS):
        result[customer_id] = {
            "p_alive": p_alive,
            "predicted_value": predicted,
            "potential_value": potential,
            "tier": tier,
            "segment": segments.get(segment, segment) if segment else "",
            "scored_as_of": scored_as_of,
            "scored_at": scored_at,
        }
    return result


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
