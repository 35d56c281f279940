"""The customers section of the workbook: its summary columns and its sheet."""

from custnotes.identity import exported_id
from custnotes.registry import SheetSpec, SummaryColumn, SummaryProvider

COLUMNS = (
    SummaryColumn("customer_id", "客户编号", "Customer ID", 10),
    SummaryColumn("name", "名称", "Name", 11),
    SummaryColumn("type", "类型", "Type", 12),
    SummaryColumn("team", "团队", "Team", 13),
    SummaryColumn("industry", "行业", "Industry", 14),
)


def summary(*, customers, as_of):
    return {
        c.pk: {
            "customer_id": exported_id(c.external_id, c.pk),
            "name": c.name,
            "type": str(c.get_customer_type_display()),
            "team": c.team.name,
            "industry": str(c.industry) if c.industry else "",
        }
        for c in customers
    }


SHEET_HEADERS = (
    "客户编号 / Customer ID",
    "名称 / Name",
    "公司 / Company",
    "联系人 / Contact",
    "电话 / Phone",
    "邮箱 / Email",
    "地址 / Address",
    "行业 / Industry",
    "类型 / Type",
    "团队 / Team",
    "负责人 / Owner",
    "信用额度 / Credit limit",
    "账期（天） / Payment terms (days)",
    "成长潜力 / Growth potential",
)


def sheet_rows(*, customers, as_of):
    for c in customers:
        yield (
            exported_id(c.external_id, c.pk),
            c.name,
            c.company,
            c.contact_person,
            c.phone,
            c.email,
            c.address,
            str(c.industry) if c.industry else "",
            str(c.get_customer_type_display()),
            c.team.name,
            c.owner.username if c.owner else "",
            c.credit_limit,
            c.payment_terms_days,
            c.growth_rating,
        )


PROVIDER = SummaryProvider("customers", COLUMNS, summary, order=10)
SHEET = SheetSpec("customers", "客户 Customers", SHEET_HEADERS, sheet_rows, order=10)
