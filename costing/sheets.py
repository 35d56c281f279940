"""Costs and profit in the workbook: the T12M P&L columns of the summary and the costs sheet."""

from custnotes.identity import exported_id
from custnotes.registry import SheetSpec, SummaryColumn, SummaryProvider
from customers.models import Customer

from .calculations import ProfitAndLoss, t12m_window
from .models import CostEntry
from .selectors import pnl_by_customer

COLUMNS = (
    SummaryColumn("t12m_revenue", "近12个月收入", "T12M revenue", 20, "money"),
    SummaryColumn("t12m_gross_margin", "近12个月毛利", "T12M gross margin", 22, "money"),
    SummaryColumn("t12m_payment_fees", "近12个月支付手续费", "T12M payment fees", 23, "money"),
    SummaryColumn("t12m_marketing_cost", "近12个月营销成本", "T12M marketing cost", 24, "money"),
    SummaryColumn("t12m_service_cost", "近12个月服务成本", "T12M service cost", 25, "money"),
    SummaryColumn("t12m_contribution_profit", "近12个月贡献利润", "T12M contribution profit", 26, "money"),
)


def summary(*, customers, as_of):
    start, end = t12m_window(as_of)
    ids = [c.pk for c in customers]
    pnl = pnl_by_customer(customers=Customer.objects.filter(pk__in=ids), start=start, end=end)
    result = {}
    for customer_id in ids:
        p = pnl.get(customer_id, ProfitAndLoss())
        result[customer_id] = {
            "t12m_revenue": p.revenue,
            "t12m_gross_margin": p.gross_margin,
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
        CostEntry.objects.filter(customer_id__in=names, date__lte=as_of)
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


PROVIDER = SummaryProvider("costing", COLUMNS, summary, order=30)
SHEET = SheetSpec("costs", "成本 Costs", COSTS_HEADERS, costs_rows, order=30)
