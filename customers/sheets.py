"""The customers section of the workbook: its summary columns and its sheet."""

from custnotes.identity import exported_id
from custnotes.registry import SheetSpec, SummaryColumn, SummaryProvider

from .choices import CustomerType

COLUMNS = (
    SummaryColumn(key="customer_id", header_zh="客户编号", header_en="Customer ID", order=10),
    SummaryColumn(key="name", header_zh="名称", header_en="Name", order=11),
    SummaryColumn(key="type", header_zh="类型", header_en="Type", order=12),
    SummaryColumn(key="team", header_zh="团队", header_en="Team", order=13),
    SummaryColumn(key="industry", header_zh="行业", header_en="Industry", order=14),
)


def summary(*, customers, as_of):
    # each label once a batch, not once a customer (the export writes 100,000 rows)
    types = {value: str(label) for value, label in CustomerType.choices}
    industries: dict[int, str] = {}
    result = {}
    for c in customers:
        if c.industry_id is not None and c.industry_id not in industries:
            industries[c.industry_id] = str(c.industry)
        result[c.pk] = {
            "customer_id": exported_id(c.external_id, c.pk),
            "name": c.name,
            "type": types.get(c.customer_type, c.customer_type),
            "team": c.team.name,
            "industry": industries.get(c.industry_id, ""),
        }
    return result


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


PROVIDER = SummaryProvider(name="customers", columns=COLUMNS, compute=summary, order=10)
SHEET = SheetSpec(name="customers", title="客户 Customers", headers=SHEET_HEADERS, rows=sheet_rows, order=10)
