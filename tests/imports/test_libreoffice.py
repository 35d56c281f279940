"""A workbook saved by LibreOffice (headless soffice converting a CSV) imports correctly."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from custnotes.importing import run_import
from customers.models import Customer
from tests.imports import counts, rows

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"),
]

CSV = (
    "Customer ID,Name,Company,Phone,Email,Team,Type,Industry,Credit limit,Payment terms (days),Growth potential\n"
    "C1,上海甲贸易,上海甲贸易有限公司,13812345678,wang@example.cn,East,老客户,零售,100000,30,4\n"
    'C2,"Beta, Inc.",,021-6123 4567,,South,prospect,Retail,"2,500.50",45,2\n'
    "\n"
    "C3,Gamma,,,,East,New customer,,,,\n"
)


def test_a_workbook_saved_by_libreoffice(finance_user, sales_user, other_sales_user, tmp_path):
    source = tmp_path / "Customers.csv"  # the converted workbook's one sheet is named after the file
    source.write_text(CSV, encoding="utf-8")
    out = tmp_path / "out"
    subprocess.run(
        [
            shutil.which("soffice"),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--infilter=CSV:44,34,76,1",  # comma, double quote, UTF-8, from line 1
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    path = out / "Customers.xlsx"
    assert load_workbook(path).sheetnames == ["Customers"]

    result = run_import(path, user=finance_user)

    assert rows(result) == []
    assert result.counts == {"customers": counts(created=3)}
    c1, c2, c3 = Customer.objects.order_by("external_id")
    assert (c1.name, c1.company, c1.phone, c1.email, c1.team.name, c1.customer_type, c1.industry.name) == (
        "上海甲贸易",
        "上海甲贸易有限公司",
        "13812345678",  # a number cell in LibreOffice's file, read back as text
        "wang@example.cn",
        "East",
        "existing",
        "零售",
    )
    assert (c1.credit_limit, c1.payment_terms_days, c1.growth_rating) == (Decimal("100000.00"), 30, 4)
    assert (c2.name, c2.company, c2.phone, c2.team.name, c2.customer_type, c2.industry.name) == (
        "Beta, Inc.",
        "",
        "021-6123 4567",
        "South",
        "prospect",
        "零售",
    )
    assert (c2.credit_limit, c2.payment_terms_days, c2.growth_rating) == (Decimal("2500.50"), 45, 2)
    assert (c3.name, c3.customer_type, c3.industry) == ("Gamma", "new", None)

    again = run_import(path, user=finance_user)
    assert again.counts == {"customers": counts(unchanged=3)}
