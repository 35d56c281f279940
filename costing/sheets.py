"""Costs and profit in the workbook: the T12M P&L columns of the summary and the costs sheet."""

from custnotes.identity import exported_id
from custnotes.registry import SheetSpec, SummaryColumn, SummaryProvider
from custnotes.workbook import batch_range

from .calculations import ProfitAndLoss, t12m_window
from .models import CostEntry
from .selectors import pnl_of

COLUMNS = (
    SummaryColumn(key="t12m_revenue", header_zh="近12个月收入", header_en="T12M revenue", order=20, kind="money"),
    SummaryColumn(
        key="t12m_gross_margin", header_zh="近12个月毛利", header_en="T12M gross margin", order=22, kind="money"
    ),
    SummaryColumn(  # part of the revenue, from sales without a cost of goods: the gross margin counts it in full
        key="t12m_cost_unknown_revenue",
        header_zh="近12个月无销售成本的收入",
        header_en="T12M revenue without cost of goods",
        order=23,
        kind="money",
    ),
    SummaryColumn(
        key="t12m_payment_fees", header_zh="近12个月支付手续费", header_en="T12M payment fees", order=24, kind="money"
    ),
    SummaryColumn(
        key="t12m_marketing_cost", header_zh="近12个月营销成本", header_en="T12M marketing cost", order=25, kind="money"
    ),
    SummaryColumn(
        key="t12m_service_cost", header_zh="近12个月服务成本", header_en="T12M service cost", order=26, kind="money"
    ),
    SummaryColumn(
        key="t12m_contribution_profit",
        header_zh="近12个月贡献利润",
        header_en="T12M contribution profit",
        order=27,
        kind="money",
    ),
)


def summary(*, customers, as_of):
    start, end = t12m_window(as_of)
    ids = [c.pk for c in customers]
    pnl = pnl_of(customer_ids=ids, start=start, end=end)
    result = {}
    for customer_id in ids:
        p = pnl.get(customer_id, ProfitAndLoss())
        result[customer_id] = {
            "t12m_revenue": p.revenue,
            "t12m_gross_margin": p.gross_margin,
            "t12m_cost_unknown_revenue": p.cost_unknown_revenue,
            "t12m_payment_fees": p.payment_fees,
            "t12m_marketing_cost": p.marketing_cost,
            "t12m_service_cost": p.service_cost,
            "t12m_contribution_profit": p.contribution_profit,
        }
    return result


COSTS_HEADERS = (
    "成本编号 / Cost ID",
    "客户编号 / Customer ID",
    "日期 / Date",
    "科目 / Category",
    "金额 / Amount",
    "备注 / Note",
    "类别 / Family",
)


def costs_rows(*, customers, as_of):
    names = {c.pk: exported_id(c.external_id, c.pk) for c in customers}
    entries = (
        CostEntry.objects.filter(batch_range(names), customer_id__in=names, date__lte=as_of)
        .select_related("category")
        .order_by("date", "pk")
    )
    for e in entries.iterator(chunk_size=2000):
        yield (
            exported_id(e.external_id, e.pk),
            names[e.customer_id],
            e.date,
            e.category.name,
            e.amount,
            e.note,
            str(e.category.get_family_display()),
        )


PROVIDER = SummaryProvider(name="costing", columns=COLUMNS, compute=summary, order=30)
SHEET = SheetSpec(name="costs", title="成本 Costs", headers=COSTS_HEADERS, rows=costs_rows, order=30)
