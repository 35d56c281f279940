"""The import engine over workbooks built in the tests: clean files, re-imports, real-world layouts,
every kind of bad row, good rows only, dry runs, refusals and permissions."""

import datetime
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from costing.models import CostEntry
from custnotes.importing import OLE_SIGNATURE, ImportRefused, run_import
from customers.models import Customer
from tests.customers.factories import CustomerFactory
from tests.imports import (
    COST_HEADERS,
    CUSTOMER_HEADERS,
    PAYMENT_HEADERS,
    SALE_HEADERS,
    counts,
    ledger_counts,
    rows,
    table,
    with_cached_values,
    write_book,
)
from transactions import selectors
from transactions.models import Allocation, Payment, Sale

pytestmark = pytest.mark.django_db

NOTHING = {"customers": 0, "sales": 0, "payments": 0, "allocations": 0, "costs": 0}


@pytest.fixture
def people(sales_user, other_sales_user, finance_user):
    """Teams East (sales1) and South (sales2), and Finance who imports."""
    return finance_user


# --- a clean file -------------------------------------------------------------------------------

CUSTOMERS = [
    {
        "customer_id": "C001",
        "name": "上海甲贸易",
        "company": "上海甲贸易有限公司",
        "contact": "王芳",
        "phone": "021-6123 4567",
        "email": "wang@example.cn",
        "address": "上海市浦东新区 1 号",
        "industry": "零售",
        "type": "老客户",
        "team": "East",
        "owner": "sales1",
        "credit_limit": "¥100,000",
        "terms": 30,
        "growth": 4,
    },
    {
        "customer_id": "C002",
        "name": "Beijing Beta",
        "industry": "information TECHNOLOGY",
        "type": "existing",
        "team": "south",
        "owner": "SALES2",
        "credit_limit": "５０,０００元",
        "terms": "４５",
        "growth": "2",
    },
    {"customer_id": "C003", "name": "Prospect Ltd", "type": "Prospect", "team": "East"},
]
SALES = [
    {
        "sale_id": "S001",
        "customer_id": "C001",
        "date": datetime.datetime(2024, 1, 5),
        "product": "年度维保",
        "amount": 12000,
        "cogs": 8000,
        "due": "2024/2/4",
        "void": "否",
    },
    {"sale_id": "S002", "customer_id": "C001", "date": 45300, "product": "Spare parts", "amount": "¥1,234.50"},
    {"sale_id": "S003", "customer_id": "C002", "date": "2024年3月1日", "product": "Consulting", "amount": "3000元"},
    {
        "sale_id": "S004",
        "customer_id": "C002",
        "date": "2024/3/2",
        "product": "Cancelled order",
        "amount": 500,
        "void": "是",
    },
]
PAYMENTS = [
    {
        "payment_id": "P001",
        "customer_id": "C001",
        "date": "2024-01-20",
        "amount": 10000,
        "method": "Bank transfer",
        "applies_to": "S001",
    },
    {"payment_id": "P002", "customer_id": "C001", "date": "2024-02-10", "amount": "5,000.00", "method": "银行转账"},
    {
        "payment_id": "R001",
        "customer_id": "C001",
        "date": "2024-02-15",
        "amount": 765.5,
        "method": "现金",
        "applies_to": "P002",
        "kind": "退款",
    },
    {
        "payment_id": "P003",
        "customer_id": "C002",
        "date": "2024-03-05",
        "amount": 3000,
        "method": "wechat pay",
        "applies_to": "S003",
        "kind": "Receipt",
    },
]
COSTS = [
    {
        "cost_id": "K001",
        "customer_id": "C001",
        "date": "2024-01-20",
        "category": "Repairs",
        "amount": 500,
        "note": "上门维修",
    },
    {"cost_id": "K002", "customer_id": "C002", "date": "2024年3月3日", "category": "广告", "amount": "1,200"},
]
SHUFFLED_SALE_KEYS = ["amount", "sale_id", "date", "customer_id", "due", "product", "void", "cogs"]
PAYMENT_KEYS = ["payment_id", "customer_id", "date", "amount", "method", "applies_to", "kind"]  # no Reference


def clean_book(path, customers=CUSTOMERS, sales=SALES, payments=PAYMENTS, costs=COSTS):
    """Customers with Chinese headers, Sales with English headers in shuffled order, Payments with
    the template's bilingual headers (Reference left out), Costs in English; sheet titles in
    either language."""
    return write_book(
        path,
        {
            "客户": table(CUSTOMER_HEADERS, customers, language="zh"),
            "Sales": table(SALE_HEADERS, sales, keys=SHUFFLED_SALE_KEYS, language="en"),
            "收款 Payments": table(PAYMENT_HEADERS, payments, keys=PAYMENT_KEYS),
            "成本 Costs": table(COST_HEADERS, costs, language="en"),
        },
    )


def test_a_clean_file_imports_every_sheet(people, tmp_path):
    result = run_import(clean_book(tmp_path / "book.xlsx"), user=people)

    assert rows(result) == []
    assert result.written is True
    assert result.sheets == ["客户", "Sales", "收款 Payments", "成本 Costs"]
    assert result.counts == {
        "customers": counts(created=3),
        "sales": counts(created=4),
        "payments": counts(created=4),
        "costs": counts(created=2),
    }
    assert ledger_counts() == {"customers": 3, "sales": 4, "payments": 4, "allocations": 4, "costs": 2}

    c1 = Customer.objects.get(external_id="C001")
    assert (c1.name, c1.company, c1.contact_person, c1.phone, c1.email, c1.address) == (
        "上海甲贸易",
        "上海甲贸易有限公司",
        "王芳",
        "021-6123 4567",
        "wang@example.cn",
        "上海市浦东新区 1 号",
    )
    assert (c1.industry.name, c1.customer_type, c1.team.name, c1.owner.username) == (
        "零售",
        "existing",
        "East",
        "sales1",
    )
    assert (c1.credit_limit, c1.payment_terms_days, c1.growth_rating) == (Decimal("100000.00"), 30, 4)
    c2 = Customer.objects.get(external_id="C002")
    assert (c2.company, c2.industry.name_en, c2.team.name, c2.owner.username) == (
        "",
        "Information technology",
        "South",
        "sales2",
    )
    assert (c2.credit_limit, c2.payment_terms_days, c2.growth_rating) == (Decimal("50000.00"), 45, 2)
    c3 = Customer.objects.get(external_id="C003")
    assert (c3.customer_type, c3.owner, c3.industry, c3.credit_limit, c3.payment_terms_days, c3.growth_rating) == (
        "prospect",
        None,
        None,
        Decimal("0.00"),
        30,
        3,
    )  # the model's defaults for the columns left empty

    sales = {s.external_id: s for s in Sale.objects.all()}
    local = {k: timezone.localtime(s.occurred_at).replace(tzinfo=None) for k, s in sales.items()}
    assert local["S001"] == datetime.datetime(2024, 1, 5)  # a date cell
    assert local["S002"] == datetime.datetime(2024, 1, 9)  # serial 45300
    assert local["S003"] == datetime.datetime(2024, 3, 1)  # 2024年3月1日
    assert (sales["S001"].amount, sales["S001"].cost_of_goods, sales["S001"].due_date) == (
        Decimal("12000.00"),
        Decimal("8000.00"),
        datetime.date(2024, 2, 4),
    )
    assert (sales["S002"].amount, sales["S002"].cost_of_goods, sales["S002"].due_date) == (
        Decimal("1234.50"),
        None,
        datetime.date(2024, 2, 8),  # 2024-01-09 + C001's 30 days
    )
    assert (sales["S003"].amount, sales["S003"].due_date) == (Decimal("3000.00"), datetime.date(2024, 4, 15))  # +45
    assert [s.external_id for s in sales.values() if s.is_void] == ["S004"]
    assert sales["S004"].customer.external_id == "C002"

    payments = {p.external_id: p for p in Payment.objects.select_related("method", "refund_of")}
    assert (payments["P001"].amount, payments["P001"].method.name, payments["P001"].kind) == (
        Decimal("10000.00"),
        "银行转账",
        "receipt",
    )
    assert (payments["R001"].kind, payments["R001"].amount, payments["R001"].refund_of.external_id) == (
        "refund",
        Decimal("765.50"),
        "P002",
    )
    assert payments["P003"].fee == Decimal("18.00")  # 3000 × 0.006
    applied = {(a.payment.external_id, a.sale.external_id): a.amount for a in Allocation.objects.select_related()}
    # P001 to S001 as named; P002 oldest due first: S001's last 2000, all of S002, 1765.50 credit.
    assert applied == {
        ("P001", "S001"): Decimal("10000.00"),
        ("P002", "S001"): Decimal("2000.00"),
        ("P002", "S002"): Decimal("1234.50"),
        ("P003", "S003"): Decimal("3000.00"),
    }
    assert selectors.customer_credit(customer=c1) == Decimal("1000.00")  # 1765.50 − 765.50 refunded
    assert selectors.open_receivables(customer=c1) == Decimal("0.00")
    assert selectors.open_receivables(customer=c2) == Decimal("0.00")  # S004 is void

    costs = {e.external_id: e for e in CostEntry.objects.select_related("category", "customer")}
    assert (costs["K001"].category.name_en, costs["K001"].amount, costs["K001"].note, costs["K001"].date) == (
        "Repairs",
        Decimal("500.00"),
        "上门维修",
        datetime.date(2024, 1, 20),
    )
    assert (costs["K002"].category.name_en, costs["K002"].amount, costs["K002"].customer.external_id) == (
        "Advertising",
        Decimal("1200.00"),
        "C002",
    )


def test_the_same_file_again_changes_nothing(people, tmp_path):
    path = clean_book(tmp_path / "book.xlsx")
    run_import(path, user=people)
    before = ledger_counts()
    stamps = dict(Customer.objects.values_list("external_id", "updated_at"))

    again = run_import(path, user=people)

    assert rows(again) == []
    assert again.written is True
    assert again.counts == {
        "customers": counts(unchanged=3),
        "sales": counts(unchanged=4),
        "payments": counts(unchanged=4),
        "costs": counts(unchanged=2),
    }
    assert ledger_counts() == before
    assert dict(Customer.objects.values_list("external_id", "updated_at")) == stamps


def test_a_changed_row_updates_its_record(people, tmp_path):
    run_import(clean_book(tmp_path / "book.xlsx"), user=people)
    customers = [dict(CUSTOMERS[0], phone="13812345678"), *CUSTOMERS[1:]]
    sales = [SALES[0], dict(SALES[1], product="Spare parts (2 boxes)", amount="1,300"), *SALES[2:]]
    costs = [dict(COSTS[0], amount=600), COSTS[1]]

    result = run_import(clean_book(tmp_path / "changed.xlsx", customers, sales, PAYMENTS, costs), user=people)

    assert rows(result) == []
    assert result.counts == {
        "customers": counts(updated=1, unchanged=2),
        "sales": counts(updated=1, unchanged=3),
        "payments": counts(unchanged=4),
        "costs": counts(updated=1, unchanged=1),
    }
    assert ledger_counts()["customers"] == 3
    assert Customer.objects.get(external_id="C001").phone == "13812345678"
    s002 = Sale.objects.get(external_id="S002")
    assert (s002.product, s002.amount) == ("Spare parts (2 boxes)", Decimal("1300.00"))
    assert CostEntry.objects.get(external_id="K001").amount == Decimal("600.00")
    c1 = Customer.objects.get(external_id="C001")
    # S002 grew by 65.50: C001's credit of 1000 pays it at once.
    assert selectors.open_receivables(customer=c1) == Decimal("0.00")
    assert selectors.customer_credit(customer=c1) == Decimal("934.50")


def test_reimport_of_a_prospect_with_sales_changes_nothing(people, tmp_path):
    customers = [{"customer_id": "C010", "name": "Newcomer", "type": "潜在客户", "team": "East"}]
    sales = [{"sale_id": "S010", "customer_id": "C010", "date": "2024-05-06", "product": "First order", "amount": 800}]
    path = write_book(
        tmp_path / "book.xlsx",
        {"客户 Customers": table(CUSTOMER_HEADERS, customers), "交易 Sales": table(SALE_HEADERS, sales)},
    )
    run_import(path, user=people)
    again = run_import(path, user=people)
    assert again.counts["customers"] == counts(unchanged=1)


def test_only_customers_and_sales_with_optional_columns_left_out(people, tmp_path):
    customers = [
        {"customer_id": "C1", "name": "Alpha", "team": "East"},
        {"customer_id": "C2", "name": "Beta", "team": "South"},
    ]
    sales = [
        {"sale_id": "S1", "customer_id": "C1", "date": "2024-06-01", "product": "Widgets", "amount": 250},
        {"sale_id": "S2", "customer_id": "C2", "date": "2024/6/2", "product": "Gadgets", "amount": "99.90"},
    ]
    path = write_book(
        tmp_path / "book.xlsx",
        {
            "Customers": table(CUSTOMER_HEADERS, customers, keys=["customer_id", "name", "team"], language="en"),
            "交易": table(
                SALE_HEADERS, sales, keys=["sale_id", "customer_id", "date", "product", "amount"], language="zh"
            ),
        },
    )

    result = run_import(path, user=people)

    assert rows(result) == []
    assert result.counts == {"customers": counts(created=2), "sales": counts(created=2)}
    assert ledger_counts() == {"customers": 2, "sales": 2, "payments": 0, "allocations": 0, "costs": 0}
    s1 = Sale.objects.get(external_id="S1")
    assert (s1.customer.name, s1.amount, s1.cost_of_goods, s1.is_void, s1.due_date) == (
        "Alpha",
        Decimal("250.00"),
        None,
        False,
        datetime.date(2024, 7, 1),  # the customer's default 30 days
    )
    assert Sale.objects.get(external_id="S2").amount == Decimal("99.90")


def test_blank_rows_and_trailing_empty_columns(people, tmp_path):
    header = [*table(CUSTOMER_HEADERS, [], keys=["customer_id", "name", "team"])[0], None, "", None]
    path = write_book(
        tmp_path / "book.xlsx",
        {
            "客户 Customers": [
                header,
                [None, None, None],
                ["C1", "Alpha", "East", None, "", "   "],
                [],
                ["  ", "", None, None, None, None, None, None],
                ["C2", "Beta", "East", None, None, None, None, None, None, ""],
                [None] * 20,
            ]
        },
    )

    result = run_import(path, user=people)

    assert rows(result) == []
    assert result.counts == {"customers": counts(created=2)}
    assert sorted(Customer.objects.values_list("external_id", "name")) == [("C1", "Alpha"), ("C2", "Beta")]


def test_example_rows_are_skipped(people, tmp_path):
    customers = [
        {"customer_id": "示例-C001", "name": "上海示例贸易", "team": "East"},
        {"customer_id": "EXAMPLE-2", "name": "Example Co", "team": "East"},
        {"customer_id": "example 3", "name": "Another example", "team": "East"},
        {"customer_id": "C1", "name": "Real Co", "team": "East"},
    ]
    sales = [
        {"sale_id": "示例-S001", "customer_id": "示例-C001", "date": "2024-01-05", "product": "样品", "amount": 1},
        {"sale_id": "S1", "customer_id": "C1", "date": "2024-01-05", "product": "Real goods", "amount": 10},
    ]
    path = write_book(
        tmp_path / "book.xlsx",
        {"客户 Customers": table(CUSTOMER_HEADERS, customers), "交易 Sales": table(SALE_HEADERS, sales)},
    )

    result = run_import(path, user=people)

    assert rows(result) == []
    assert result.counts == {"customers": counts(created=1), "sales": counts(created=1)}
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["C1"]
    assert list(Sale.objects.values_list("external_id", flat=True)) == ["S1"]


def test_merged_header_cells_and_a_title_row(people, tmp_path):
    keys = ["customer_id", "name", "team"]
    header = table(CUSTOMER_HEADERS, [], keys=keys, language="zh")[0]
    sale_keys = ["sale_id", "customer_id", "date", "product", "amount"]
    sale_header = table(SALE_HEADERS, [], keys=sale_keys, language="en")[0]
    path = write_book(
        tmp_path / "book.xlsx",
        {
            # a title row merged across the sheet above the header
            "客户 Customers": [
                ["客户清单 2024", None, None],
                header,
                ["C1", "Alpha", "East"],
                ["C2", "Beta", "South"],
            ],
            # each header cell merged over two rows; data from row 3
            "交易 Sales": [
                sale_header,
                [None] * 5,
                ["S1", "C1", "2024-02-01", "Goods", 100],
                ["S2", "C2", "2024-02-02", "Goods", "bad"],
            ],
        },
        merges={"客户 Customers": ["A1:C1"], "交易 Sales": ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2"]},
    )

    result = run_import(path, user=people, dry_run=True)

    # Row numbers are the sheet's own: the bad amount is on row 4 below the two-row header.
    assert rows(result) == [("交易 Sales", 4, "金额 / Amount", "“bad”：不是金额")]

    fixed = write_book(
        tmp_path / "fixed.xlsx",
        {
            "客户 Customers": [["客户清单 2024", None, None], header, ["C1", "Alpha", "East"], ["C2", "Beta", "South"]],
            "交易 Sales": [
                sale_header,
                [None] * 5,
                ["S1", "C1", "2024-02-01", "Goods", 100],
                ["S2", "C2", "2024-02-02", "Goods", 200],
            ],
        },
        merges={"客户 Customers": ["A1:C1"], "交易 Sales": ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2"]},
    )
    result = run_import(fixed, user=people)
    assert rows(result) == []
    assert result.counts == {"customers": counts(created=2), "sales": counts(created=2)}
    assert sorted(Sale.objects.values_list("external_id", "customer__external_id")) == [("S1", "C1"), ("S2", "C2")]


def test_formula_cells_read_their_cached_value(people, tmp_path):
    customers = [{"customer_id": "C1", "name": "Alpha", "team": "East"}]
    sales = [
        {"sale_id": "S1", "customer_id": "C1", "date": "2024-02-01", "product": "Goods", "amount": "=1000+234.5"},
        {"sale_id": "S2", "customer_id": "C1", "date": "2024-02-02", "product": "Goods", "amount": 10},
    ]
    path = write_book(
        tmp_path / "book.xlsx",
        {"客户 Customers": table(CUSTOMER_HEADERS, customers), "交易 Sales": table(SALE_HEADERS, sales)},
    )
    # As openpyxl wrote it the formula has no cached value: the cell reads as empty.
    assert rows(run_import(path, user=people, dry_run=True)) == [("交易 Sales", 2, "金额 / Amount", "必填")]

    with_cached_values(path, 2, {"E2": "1234.5"})  # as Excel or WPS would have saved it
    result = run_import(path, user=people)
    assert rows(result) == []
    assert Sale.objects.get(external_id="S1").amount == Decimal("1234.50")


# --- bad rows -----------------------------------------------------------------------------------

BAD_CUSTOMERS = [
    {"customer_id": "C001", "name": "Good Co", "team": "East", "owner": "sales1"},  # row 2
    {"customer_id": "C002", "name": "Mail Co", "team": "East", "email": "not-an-email"},  # row 3
    {"customer_id": "C003", "name": "Phone Co", "team": "East", "phone": "call me"},  # row 4
    {"customer_id": "C004", "name": "Space Co", "team": "East", "industry": "Spaceflight"},  # row 5
    {"customer_id": "C005", "name": "North Co", "team": "North"},  # row 6
    {"customer_id": "C006", "name": "Owner Co", "team": "East", "owner": "sales2"},  # row 7
    {"customer_id": "C007", "name": "Minus Co", "team": "East", "credit_limit": "-100"},  # row 8
    {"customer_id": "C001", "name": "Dup Co", "team": "East"},  # row 9
]
BAD_SALES = [
    {"sale_id": "S001", "customer_id": "C001", "date": "2024-01-05", "product": "Goods", "amount": 1000},  # 2
    {"sale_id": "S002", "customer_id": "C001", "date": "next tuesday", "product": "Goods", "amount": 1},  # 3
    {"sale_id": "S003", "customer_id": "C001", "date": "2024-01-06", "product": "Goods", "amount": "12abc"},  # 4
    {"sale_id": "S004", "customer_id": "C001", "date": "2024-01-07", "product": "Goods", "amount": -50},  # 5
    {
        "sale_id": "S005",
        "customer_id": "C001",
        "date": "2024-01-10",
        "product": "Goods",
        "amount": 10,
        "due": "2024-01-01",
    },  # 6
    {"sale_id": "S006", "customer_id": "C999", "date": "2024-01-08", "product": "Goods", "amount": 10},  # 7
    {"sale_id": "S001", "customer_id": "C001", "date": "2024-01-09", "product": "Again", "amount": 10},  # 8
]
BAD_PAYMENTS = [
    {
        "payment_id": "P001",
        "customer_id": "C001",
        "date": "2024-01-20",
        "amount": 500,
        "method": "Bank transfer",
        "applies_to": "S001",
    },  # 2
    {"payment_id": "P002", "customer_id": "C001", "date": "2024-01-21", "amount": 5, "method": "Bitcoin"},  # 3
    {
        "payment_id": "P003",
        "customer_id": "C001",
        "date": "2024-01-22",
        "amount": 5,
        "method": "Cash",
        "applies_to": "S404",
    },  # 4
]
BAD_COSTS = [
    {"cost_id": "K001", "customer_id": "C001", "date": "2024-01-20", "category": "Repairs", "amount": 100},  # 2
    {"cost_id": "K002", "customer_id": "C001", "date": "2024-01-21", "category": "Bribes", "amount": 100},  # 3
    {"cost_id": "K003", "customer_id": "C001", "date": "2024-02-30", "category": "Travel", "amount": 100},  # 4
]
BAD_ERRORS_ZH = [
    ("客户 Customers", 3, "邮箱 / Email", "“not-an-email”：输入一个有效的 Email 地址。"),
    ("客户 Customers", 4, "电话 / Phone", "“call me”：请输入有效的电话号码，例如 13812345678 或 021-6123 4567。"),
    ("客户 Customers", 5, "行业 / Industry", "“Spaceflight”：不是本列可填的名称"),
    ("客户 Customers", 6, "团队 / Team", "“North”：不是本列可填的名称"),
    ("客户 Customers", 7, "负责人 / Owner", "“sales2”：负责人必须是该客户所属团队的成员。"),
    ("客户 Customers", 8, "信用额度 / Credit limit", "“-100”：信用额度不能为负数。"),
    ("客户 Customers", 9, "客户编号 / Customer ID", "“C001”：同一编号在本表中出现了两次"),
    ("交易 Sales", 3, "日期 / Date", "“next tuesday”：不是日期（请写作 2024-01-05、2024/1/5 或 2024年1月5日）"),
    ("交易 Sales", 4, "金额 / Amount", "“12abc”：不是金额"),
    ("交易 Sales", 5, "金额 / Amount", "“-50”：销售金额不能为负数。"),
    ("交易 Sales", 6, "到期日 / Due date", "“2024-01-01”：到期日不能早于销售日期。"),
    ("交易 Sales", 7, "客户编号 / Customer ID", "“C999”：找不到该客户（本文件中或你的客户中都没有）"),
    ("交易 Sales", 8, "销售编号 / Sale ID", "“S001”：同一编号在本表中出现了两次"),
    ("收款 Payments", 3, "支付方式 / Method", "“Bitcoin”：不是本列可填的名称"),
    ("收款 Payments", 4, "核销销售 / Applies to", "“S404”：没有编号为 S404 的销售"),
    ("成本 Costs", 3, "科目 / Category", "“Bribes”：不是本列可填的名称"),
    ("成本 Costs", 4, "日期 / Date", "“2024-02-30”：不是有效的日期"),
]


def bad_book(path):
    return write_book(
        path,
        {
            "客户 Customers": table(CUSTOMER_HEADERS, BAD_CUSTOMERS),
            "交易 Sales": table(SALE_HEADERS, BAD_SALES),
            "收款 Payments": table(PAYMENT_HEADERS, BAD_PAYMENTS),
            "成本 Costs": table(COST_HEADERS, BAD_COSTS),
        },
    )


@pytest.fixture
def existing(people, team_east):
    """A customer already in the database, so that "nothing written" is more than an empty table."""
    return CustomerFactory(name="Old Co", team=team_east)


def test_a_bad_file_reports_every_bad_row_and_writes_nothing(people, existing, tmp_path):
    before = ledger_counts()

    with translation.override("zh-hans"):
        result = run_import(bad_book(tmp_path / "bad.xlsx"), user=people)

    assert rows(result) == BAD_ERRORS_ZH  # sheet by sheet, row by row
    assert result.written is False
    assert result.counts == {
        "customers": counts(errors=7),
        "sales": counts(errors=6),
        "payments": counts(errors=2),
        "costs": counts(errors=2),
    }
    assert ledger_counts() == before == {"customers": 1, "sales": 0, "payments": 0, "allocations": 0, "costs": 0}
    assert list(Customer.objects.values_list("name", flat=True)) == ["Old Co"]


def test_errors_in_english(people, tmp_path):
    with translation.override("en"):
        result = run_import(bad_book(tmp_path / "bad.xlsx"), user=people)
    english = {(sheet, row): message for sheet, row, _column, message in rows(result)}
    assert english[("客户 Customers", 3)] == "“not-an-email”: Enter a valid email address."
    assert english[("客户 Customers", 6)] == "“North”: not one of the names this column takes"
    assert english[("交易 Sales", 3)] == "“next tuesday”: not a date (use 2024-01-05, 2024/1/5 or 2024年1月5日)"
    assert english[("交易 Sales", 6)] == "“2024-01-01”: The due date cannot be before the date of sale."
    assert english[("收款 Payments", 4)] == "“S404”: no sale with ID S404"
    assert english[("成本 Costs", 4)] == "“2024-02-30”: not a valid date"
    assert len(english) == len(BAD_ERRORS_ZH)
    assert ledger_counts() == NOTHING


def test_good_rows_only_writes_exactly_the_good_rows(people, tmp_path):
    result = run_import(bad_book(tmp_path / "bad.xlsx"), user=people, good_rows_only=True)

    assert rows(result) == BAD_ERRORS_ZH  # still reported
    assert result.written is True
    assert result.counts == {
        "customers": counts(created=1, errors=7),
        "sales": counts(created=1, errors=6),
        "payments": counts(created=1, errors=2),
        "costs": counts(created=1, errors=2),
    }
    assert ledger_counts() == {"customers": 1, "sales": 1, "payments": 1, "allocations": 1, "costs": 1}
    customer = Customer.objects.get()
    assert (customer.external_id, customer.name, customer.owner.username) == ("C001", "Good Co", "sales1")
    sale = Sale.objects.get()
    assert (sale.external_id, sale.product, sale.amount) == ("S001", "Goods", Decimal("1000.00"))
    assert Allocation.objects.get().amount == Decimal("500.00")
    assert selectors.open_receivables(customer=customer) == Decimal("500.00")
    assert CostEntry.objects.get().external_id == "K001"


def test_dry_run_checks_but_writes_nothing(people, tmp_path):
    path = clean_book(tmp_path / "book.xlsx")
    result = run_import(path, user=people, dry_run=True)
    assert rows(result) == []
    assert result.written is False
    assert ledger_counts() == NOTHING
    bad = run_import(bad_book(tmp_path / "bad.xlsx"), user=people, dry_run=True, good_rows_only=True)
    assert len(bad.errors) == len(BAD_ERRORS_ZH)
    assert bad.written is False
    assert ledger_counts() == NOTHING


def test_a_missing_required_column(people, tmp_path):
    customers = [{"customer_id": "C1", "name": "Alpha", "team": "East"}]
    sales = [{"sale_id": "S1", "customer_id": "C1", "date": "2024-01-05", "product": "Goods", "amount": 10}]
    path = write_book(
        tmp_path / "book.xlsx",
        {
            "客户 Customers": table(CUSTOMER_HEADERS, customers),
            # no Amount column, and a bad date the import does not get as far as reading
            "交易 Sales": table(
                SALE_HEADERS, [dict(sales[0], date="someday")], keys=["sale_id", "customer_id", "date", "product"]
            ),
        },
    )

    result = run_import(path, user=people)

    assert rows(result) == [("交易 Sales", 1, "金额 / Amount", "缺少该列")]
    assert result.written is False
    assert ledger_counts() == NOTHING


def test_a_required_value_left_empty(people, tmp_path):
    customers = [{"customer_id": "C1", "team": "East"}, {"name": "No ID", "team": "East"}]
    path = write_book(tmp_path / "book.xlsx", {"客户 Customers": table(CUSTOMER_HEADERS, customers)})
    result = run_import(path, user=people)
    assert rows(result) == [
        ("客户 Customers", 2, "名称 / Name", "必填"),
        ("客户 Customers", 3, "客户编号 / Customer ID", "必填"),
    ]
    assert ledger_counts() == NOTHING


def test_two_bad_values_in_one_row_give_two_errors(people, tmp_path):
    customers = [{"customer_id": "C1", "name": "Alpha", "team": "East"}]
    sales = [{"sale_id": "S1", "customer_id": "C1", "date": "someday", "product": "Goods", "amount": "lots"}]
    path = write_book(
        tmp_path / "book.xlsx",
        {"客户 Customers": table(CUSTOMER_HEADERS, customers), "交易 Sales": table(SALE_HEADERS, sales)},
    )
    result = run_import(path, user=people)
    assert rows(result) == [
        ("交易 Sales", 2, "日期 / Date", "“someday”：不是日期（请写作 2024-01-05、2024/1/5 或 2024年1月5日）"),
        ("交易 Sales", 2, "金额 / Amount", "“lots”：不是金额"),
    ]


def test_a_payment_that_was_changed_is_refused(people, tmp_path):
    run_import(clean_book(tmp_path / "book.xlsx"), user=people)
    payments = [dict(PAYMENTS[0], amount=9000), *PAYMENTS[1:]]
    result = run_import(clean_book(tmp_path / "changed.xlsx", payments=payments), user=people)
    assert rows(result) == [
        ("收款 Payments", 2, "收款编号 / Payment ID", "“P001”：收款登记后不能修改：请登记退款，或使用新的收款编号")
    ]
    assert Payment.objects.get(external_id="P001").amount == Decimal("10000.00")


def test_a_sale_cannot_shrink_below_what_was_paid(people, tmp_path):
    run_import(clean_book(tmp_path / "book.xlsx"), user=people)  # S001: 12000, fully paid
    sales = [dict(SALES[0], amount=5000), *SALES[1:]]
    result = run_import(clean_book(tmp_path / "changed.xlsx", sales=sales), user=people)
    assert rows(result) == [("Sales", 2, "金额 / Amount", "“5000”：少于该销售已收的金额。")]
    assert Sale.objects.get(external_id="S001").amount == Decimal("12000.00")


# --- refusals -----------------------------------------------------------------------------------


def refused(path) -> str:
    with pytest.raises(ImportRefused) as caught:
        run_import(path, user=None)
    return str(caught.value)


def test_an_old_xls_file_is_refused(tmp_path):
    path = tmp_path / "book.xls"
    path.write_bytes(OLE_SIGNATURE + bytes(2000))
    assert refused(path) == "这是旧版 Excel 文件（.xls）。请用 Excel 或 WPS 打开并另存为 .xlsx。"


def test_a_csv_saved_by_chinese_excel_imports(people, tmp_path):
    # Chinese Excel saves "CSV" as GBK; the headers in Chinese, amounts as people type them
    gbk = tmp_path / "客户.csv"
    gbk.write_bytes('客户编号,名称,团队,信用额度\r\nC1,甲公司,East,"50,000"\r\nC2,乙公司,South,\r\n'.encode("gbk"))
    result = run_import(gbk, user=people)
    assert rows(result) == []
    assert {(c.name, c.team.name, c.credit_limit) for c in Customer.objects.all()} == {
        ("甲公司", "East", Decimal("50000.00")),
        ("乙公司", "South", Decimal("0.00")),
    }
    # UTF-8 with the BOM Excel writes, semicolons, English headers: the Sales sheet, by its columns
    sales = tmp_path / "export.csv"
    lines = [
        "Sale ID;Customer ID;Date;Product or service;Amount",
        "S1;C1;2024-06-01;Widgets;250",
        "S2;C2;2024/6/2;Gadgets;99.90",
    ]
    sales.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode())
    result = run_import(sales, user=people)
    assert rows(result) == []
    assert sorted(Sale.objects.values_list("external_id", "amount")) == [
        ("S1", Decimal("250.00")),
        ("S2", Decimal("99.90")),
    ]


def test_a_bad_csv_row_is_reported_like_a_sheets(people, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("Customer ID,Name,Team,Payment terms (days)\nC1,Alpha,East,400\n", encoding="utf-8")
    result = run_import(path, user=people)
    assert rows(result) == [("客户", 2, "账期（天） / Payment terms (days)", "“400”：账期必须在 0 到 365 天之间。")]
    assert not Customer.objects.exists()


def test_text_that_is_no_csv_is_refused(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_bytes(b"\xff\xfe\x00\x01" * 100)
    assert refused(path) == "这既不是 Excel 工作簿（.xlsx），也不是 CSV 文件。"


def test_random_bytes_are_refused(tmp_path):
    path = tmp_path / "noise.xlsx"
    path.write_bytes(bytes(range(256)) * 16)
    assert refused(path) == "这既不是 Excel 工作簿（.xlsx），也不是 CSV 文件。"


def test_a_file_over_the_size_limit_is_refused(settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK" + bytes(1024 * 1024))
    assert refused(path) == "文件超过 1.0\xa0MB。"


def test_a_zip_bomb_is_refused(settings, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))  # ~20 kB packed
    assert path.stat().st_size < 100 * 1024
    assert refused(path) == "文件解压后远大于其本身大小：拒绝处理。"


def test_a_workbook_that_unpacks_to_too_much_is_refused(people, settings, tmp_path):
    path = clean_book(tmp_path / "book.xlsx")
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    settings.IMPORT_MAX_UNPACKED_BYTES = unpacked - 1
    assert refused(path) == "文件解压后远大于其本身大小：拒绝处理。"
    settings.IMPORT_MAX_UNPACKED_BYTES = unpacked
    settings.IMPORT_MAX_RATIO = 1  # every deflated member now unpacks to "too much"
    assert refused(path) == "文件解压后远大于其本身大小：拒绝处理。"
    assert ledger_counts() == NOTHING


def test_a_zip_without_a_workbook_is_refused(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    assert refused(path) == "这不是 Excel 工作簿（.xlsx）。"


def test_a_workbook_without_a_known_sheet_is_refused(tmp_path):
    path = tmp_path / "other.xlsx"
    workbook = Workbook()
    workbook.active.title = "Budget"
    workbook.active.append(["Month", "Amount"])
    workbook.save(path)
    assert refused(path) == "没有找到模板中的工作表（客户、交易、收款、成本）。"


# --- permissions --------------------------------------------------------------------------------


def test_sales_import_their_own_teams_customers_only(people, sales_user, tmp_path):
    customers = [
        {"customer_id": "C1", "name": "East One", "team": "East", "owner": "sales1"},
        {"customer_id": "C2", "name": "South One", "team": "South"},
    ]
    sales = [{"sale_id": "S1", "customer_id": "C1", "date": "2024-01-05", "product": "Goods", "amount": 100}]
    payments = [
        {"payment_id": "P1", "customer_id": "C1", "date": "2024-01-06", "amount": 100, "method": "现金"},
    ]
    path = write_book(
        tmp_path / "book.xlsx",
        {
            "客户 Customers": table(CUSTOMER_HEADERS, customers),
            "交易 Sales": table(SALE_HEADERS, sales),
            "收款 Payments": table(PAYMENT_HEADERS, payments),
        },
    )

    result = run_import(path, user=sales_user)

    assert rows(result) == [
        ("客户 Customers", 3, "团队 / Team", "“South”：你只能录入自己团队的客户。"),
        ("收款 Payments", 2, "收款编号 / Payment ID", "“P1”：只有财务和管理员可以登记收款"),
    ]
    assert ledger_counts() == NOTHING

    result = run_import(path, user=sales_user, good_rows_only=True)
    assert result.counts == {
        "customers": counts(created=1, errors=1),
        "sales": counts(created=1),
        "payments": counts(errors=1),
    }
    assert list(Customer.objects.values_list("external_id", "team__name")) == [("C1", "East")]


def test_sales_may_not_set_credit_terms_nor_touch_another_teams_customer(people, sales_user, team_south, tmp_path):
    CustomerFactory(name="Theirs", company="", team=team_south, external_id="C9")
    customers = [
        {"customer_id": "C1", "name": "Mine", "team": "East", "credit_limit": 5000},
        {"customer_id": "C9", "name": "Theirs", "team": "East"},
    ]
    path = write_book(tmp_path / "book.xlsx", {"客户 Customers": table(CUSTOMER_HEADERS, customers)})
    with translation.override("en"):
        result = run_import(path, user=sales_user)
    assert rows(result) == [
        (
            "客户 Customers",
            2,
            "信用额度 / Credit limit",
            "“5000”: Only Finance and Admin set credit limits and payment terms.",
        ),
        ("客户 Customers", 3, "客户编号 / Customer ID", "“C9”: This customer belongs to a team you do not work in."),
    ]
    assert ledger_counts()["customers"] == 1


def test_a_manager_may_not_import(manager_user, client_for):
    client = client_for(manager_user)
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/template.xlsx").status_code == 403


def test_a_row_shows_all_its_mistakes_at_once_and_sales_name_a_bad_customer_row(people, tmp_path):
    """A cell that does not parse does not hide the row's other mistakes; a sale of a customer whose
    own row is wrong says so, rather than that the customer does not exist."""
    customers = [
        {"customer_id": "K1", "name": "Broken", "team": "East", "email": "not-an-email", "credit_limit": "abc"}
    ]
    sales = [
        {"sale_id": "S1", "customer_id": "K1", "date": "2024-01-05", "product": "Pumps", "amount": 100},
        {"sale_id": "S2", "customer_id": "K1", "date": "2024/13/5", "product": "Pumps", "amount": -5},
    ]
    path = write_book(
        tmp_path / "bad.xlsx",
        {"客户 Customers": table(CUSTOMER_HEADERS, customers), "交易 Sales": table(SALE_HEADERS, sales)},
    )
    with translation.override("zh-hans"):
        result = run_import(path, user=people)
    assert rows(result) == [
        ("客户 Customers", 2, "信用额度 / Credit limit", "“abc”：不是金额"),
        ("客户 Customers", 2, "邮箱 / Email", "“not-an-email”：输入一个有效的 Email 地址。"),
        ("交易 Sales", 2, "客户编号 / Customer ID", "“K1”：该客户在客户表中的行有错误"),
        ("交易 Sales", 3, "日期 / Date", "“2024/13/5”：不是有效的日期"),
        ("交易 Sales", 3, "客户编号 / Customer ID", "“K1”：该客户在客户表中的行有错误"),
        ("交易 Sales", 3, "金额 / Amount", "“-5”：销售金额不能为负数。"),
    ]
    assert ledger_counts() == NOTHING


def test_a_dry_run_says_what_it_would_create_and_what_is_already_there(people, tmp_path):
    path = clean_book(tmp_path / "book.xlsx")
    first = run_import(path, user=people, dry_run=True)
    assert not first.written
    assert ledger_counts() == NOTHING
    assert first.counts == {
        "customers": counts(created=3),
        "sales": counts(created=4),
        "payments": counts(created=4),
        "costs": counts(created=2),
    }
    assert run_import(path, user=people).counts == first.counts  # what the dry run said is what happens
    again = run_import(path, user=people, dry_run=True)
    assert again.counts == {
        "customers": counts(unchanged=3),
        "sales": counts(unchanged=4),
        "payments": counts(unchanged=4),
        "costs": counts(unchanged=2),
    }
    Customer.objects.filter(external_id="C001").update(phone="")  # someone changed it on the page
    changed = run_import(path, user=people, dry_run=True)
    assert changed.counts["customers"] == counts(updated=1, unchanged=2)
    assert Customer.objects.get(external_id="C001").phone == ""  # still: a dry run writes nothing


def test_checking_rows_costs_the_same_queries_for_3_rows_as_for_30(people, tmp_path, count_queries):
    """Lookups are read once per import: no query per row (a dry run checks every row)."""

    def book(n):
        customers = [
            {"customer_id": f"C{i}", "name": f"Customer {i}", "team": "East", "industry": "Retail", "type": "老客户"}
            for i in range(n)
        ]
        sales = [
            {"sale_id": f"S{i}", "customer_id": f"C{i}", "date": "2024-01-05", "product": "Pumps", "amount": 100}
            for i in range(n)
        ]
        bad = [{"cost_id": "K1", "customer_id": "C0", "date": "someday", "category": "Repairs", "amount": 1}]
        return write_book(  # one bad row: the rows are checked, and nothing goes on to be written
            tmp_path / f"book{n}.xlsx",
            {
                "客户 Customers": table(CUSTOMER_HEADERS, customers),
                "交易 Sales": table(SALE_HEADERS, sales),
                "成本 Costs": table(COST_HEADERS, bad),
            },
        )

    small, large = book(3), book(30)
    run_import(small, user=people, dry_run=True)  # warm: permissions, content types
    assert count_queries(lambda: run_import(large, user=people, dry_run=True)) == count_queries(
        lambda: run_import(small, user=people, dry_run=True)
    )


def test_only_finance_manager_and_admin_import_marketing_costs(people, sales_user, team_east, tmp_path):
    """The import asks the same rule as the cost form (costing.services.category_problem)."""
    customer = CustomerFactory(name="East Co", team=team_east, external_id="E1")
    costs = [
        {"cost_id": "K1", "customer_id": "E1", "date": "2024-01-20", "category": "Advertising", "amount": 80},
        {"cost_id": "K2", "customer_id": "E1", "date": "2024-01-21", "category": "Repairs", "amount": 50},
    ]
    book = write_book(tmp_path / "costs.xlsx", {"成本 Costs": table(COST_HEADERS, costs)})
    with translation.override("en"):
        result = run_import(book, user=sales_user)
    assert [(row, message) for _sheet, row, _column, message in rows(result)] == [
        (2, "“Advertising”: Only Finance, Manager and Admin record marketing costs.")
    ]
    assert not CostEntry.objects.exists()
    run_import(book, user=people)  # Finance may
    assert sorted(CostEntry.objects.filter(customer=customer).values_list("amount", flat=True)) == [50, 80]


def test_a_companys_history_from_1995_imports_and_older_rows_say_the_limit(people, tmp_path):
    customers = [{"customer_id": "C1", "name": "Alpha", "team": "East"}]
    sales = [
        {"sale_id": "S1", "customer_id": "C1", "date": "1995-03-08", "product": "Widgets", "amount": 250},
        {"sale_id": "S2", "customer_id": "C1", "date": "1989/12/31", "product": "Gadgets", "amount": 99},
    ]
    path = write_book(
        tmp_path / "book.xlsx",
        {
            "Customers": table(CUSTOMER_HEADERS, customers, keys=["customer_id", "name", "team"], language="en"),
            "Sales": table(SALE_HEADERS, sales, keys=["sale_id", "customer_id", "date", "product", "amount"]),
        },
    )
    result = run_import(path, user=people)
    assert [(sheet, message) for sheet, _row, _column, message in rows(result)] == [
        ("Sales", "“1989/12/31”：日期不能早于 1990-01-01。")
    ]
    assert not Sale.objects.exists()  # nothing while a row is wrong
    result = run_import(path, user=people, good_rows_only=True)
    assert timezone.localtime(Sale.objects.get().occurred_at).date() == datetime.date(1995, 3, 8)


# --- a company's own book: no Team column ----------------------------------------------------------


def book_without_team(path, customers, sales=()):
    sheets = {"Customers": table(CUSTOMER_HEADERS, customers, keys=["customer_id", "name"], language="en")}
    if sales:
        sheets["Sales"] = table(SALE_HEADERS, sales, keys=["sale_id", "customer_id", "date", "product", "amount"])
    return write_book(path, sheets)


def test_customers_without_a_team_column_go_to_the_default_team(finance_user, tmp_path):
    from customers.models import Team

    default = Team.objects.get(is_default=True)  # created by a migration on every install
    path = book_without_team(
        tmp_path / "book.xlsx",
        [{"customer_id": "C1", "name": "Alpha"}, {"customer_id": "C2", "name": "Beta"}],
        [{"sale_id": "S1", "customer_id": "C1", "date": "2024-06-01", "product": "Widgets", "amount": 250}],
    )
    result = run_import(path, user=finance_user)  # Finance works in no team
    assert rows(result) == []
    assert {c.name: c.team for c in Customer.objects.all()} == {"Alpha": default, "Beta": default}
    assert Sale.objects.get().customer.name == "Alpha"


def test_customers_without_a_team_go_to_the_importers_only_team(sales_user, team_east, tmp_path):
    result = run_import(
        book_without_team(tmp_path / "b.xlsx", [{"customer_id": "C1", "name": "Alpha"}]), user=sales_user
    )
    assert rows(result) == []
    assert Customer.objects.get().team == team_east


def test_a_customer_reimported_without_a_team_keeps_its_team(people, south_customer, tmp_path):
    south_customer.external_id = "C9"
    south_customer.save()
    result = run_import(
        book_without_team(tmp_path / "b.xlsx", [{"customer_id": "C9", "name": "South Co"}]), user=people
    )
    assert rows(result) == []
    south_customer.refresh_from_db()
    assert south_customer.team.name == "South"


def test_an_importer_of_several_teams_is_asked_to_name_the_team(sales_user, team_south, tmp_path):
    team_south.members.add(sales_user)
    result = run_import(
        book_without_team(tmp_path / "b.xlsx", [{"customer_id": "C1", "name": "Alpha"}]), user=sales_user
    )
    assert [message for *_where, message in rows(result)] == ["请填写客户的团队：你属于多个团队。"]
    assert not Customer.objects.exists()


def test_the_import_reads_only_the_records_its_file_names(people, tmp_path, monkeypatch):
    """A re-import finds its sales, receipts and costs block by block (by import ID, in blocks
    smaller than the file here), never by reading every sale, payment or cost of the books."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from custnotes import importing

    path = clean_book(tmp_path / "book.xlsx")
    run_import(path, user=people)
    monkeypatch.setattr(importing, "LOOKUP_BLOCK", 2)
    with CaptureQueriesContext(connection) as queries:
        again = run_import(path, user=people)
    assert again.counts["sales"] == counts(unchanged=4) and again.counts["costs"] == counts(unchanged=2)
    assert again.counts["payments"] == counts(unchanged=4)
    for name in ("transactions_sale", "transactions_payment", "costing_costentry"):
        reads = [q["sql"] for q in queries.captured_queries if re.match(f'SELECT .* FROM "{name}"', q["sql"])]  # noqa: S608 - a test's pattern, not SQL
        assert reads, name
        whole = [sql for sql in reads if "WHERE" not in sql]
        assert not whole, whole  # every read names its records
    named = [q["sql"] for q in queries.captured_queries if '"transactions_sale"."external_id" IN' in q["sql"]]
    assert len(named) >= 2  # 4 sale rows in blocks of 2


def test_the_write_pass_writes_the_rows_the_check_pass_parsed(people, tmp_path, monkeypatch):
    """Each sheet is parsed once: the write pass reads back the rows the check kept."""
    from custnotes import importing

    parsed = []
    original = importing._parsed_rows

    def counting(ws, layout, errors):
        parsed.append(layout.sheet.key)
        return original(ws, layout, errors)

    monkeypatch.setattr(importing, "_parsed_rows", counting)
    monkeypatch.setattr(importing.KeptRows, "BATCH", 2)  # several batches in the file
    result = run_import(clean_book(tmp_path / "book.xlsx"), user=people)
    assert rows(result) == [] and result.written
    assert sorted(parsed) == ["costs", "customers", "payments", "sales"]
    assert Sale.objects.count() == len(SALES) and Payment.objects.count() == len(PAYMENTS)
