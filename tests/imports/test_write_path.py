"""One write path: the import writes through the sections' services, so a rule holds the same from
the page and from a file — the credit check of a sale, a user's scope, ¥0.00 sales — and a dry run
counts exactly what the import would do."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from costing.models import CostEntry
from custnotes.identity import exported_id
from custnotes.importing import run_import
from risk import services as risk_services
from tests.costing.factories import cost
from tests.imports import COST_HEADERS, PAYMENT_HEADERS, SALE_HEADERS, counts, rows, table, write_book
from tests.transactions.factories import at, day, record_sale
from transactions import calculations, selectors, services
from transactions.choices import SaleStatus
from transactions.models import Sale

pytestmark = pytest.mark.django_db

SALE_KEYS = ["sale_id", "customer_id", "date", "product", "amount"]


def iso(offset: int) -> str:
    """A date in a cell, relative to the suite's today."""
    return day(offset).isoformat()


@pytest.fixture
def limited(east_customer):
    """East Co: a credit limit of ¥1,000.00 with ¥600.00 open."""
    east_customer.credit_limit = D("1000.00")
    east_customer.external_id = "E1"
    east_customer.save()
    record_sale(east_customer, "600.00", -5)
    return east_customer


def sale_book(path, amount, *, receipt=None):
    sheets = {
        "交易 Sales": table(
            SALE_HEADERS,
            [{"sale_id": "S9", "customer_id": "E1", "date": iso(-1), "product": "设备", "amount": amount}],
            keys=SALE_KEYS,
        )
    }
    if receipt:
        sheets["收款 Payments"] = table(
            PAYMENT_HEADERS,
            [
                {
                    "payment_id": "P9",
                    "customer_id": "E1",
                    "date": iso(-1),
                    "amount": receipt,
                    "method": "现金",
                }
            ],
            keys=["payment_id", "customer_id", "date", "amount", "method"],
        )
    return write_book(path, sheets)


def test_a_sale_over_the_limit_is_warned_the_same_from_the_form_and_from_the_import(
    limited, sales_user, finance_user, tmp_path
):
    """600 open + 500 = 1,100 > 1,000: the form asks first (SaleNeedsConfirmation), and so does the
    import — nothing is written until the user confirms; then both record it."""
    with pytest.raises(services.SaleNeedsConfirmation) as form_asked:
        services.sale_record(customer=limited, occurred_at=at(-1), product="设备", amount=D("500.00"), confirmed=False)
    book = sale_book(tmp_path / "over.xlsx", 500)
    held = run_import(book, user=finance_user, confirmed=False)
    assert (held.written, held.held, held.errors) == (False, True, [])
    assert held.counts["sales"] == counts(created=1)  # what confirming will do (written, rolled back)
    assert [w.message for w in held.warnings] == form_asked.value.messages  # the same words
    assert "¥1,100.00" in held.warnings[0].message and "¥1,000.00" in held.warnings[0].message
    assert (held.warnings[0].sheet, held.warnings[0].row) == ("交易 Sales", 2)
    assert Sale.objects.filter(customer=limited).count() == 1

    confirmed = run_import(book, user=finance_user, confirmed=True)
    assert confirmed.written and confirmed.counts["sales"] == counts(created=1)
    assert selectors.open_receivables_by_customer(customer_ids=[limited.pk])[limited.pk] == D("1100.00")


def test_a_sale_over_the_limit_is_refused_the_same_from_the_form_and_from_the_import(limited, finance_user, tmp_path):
    risk_services.risk_settings_update(block_risky_sales=True)
    with pytest.raises(ValidationError) as form_refused:
        record_sale(limited, "500.00", -1)
    result = run_import(sale_book(tmp_path / "over.xlsx", 500), user=finance_user, confirmed=True)
    assert not result.written and result.warnings == []
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        ("交易 Sales", 2, form_refused.value.messages[0])  # confirming does not lift a block
    ]
    assert Sale.objects.filter(customer=limited).count() == 1


def test_the_import_nets_the_files_own_receipts_before_the_credit_check(limited, finance_user, tmp_path):
    """A company's books bring the sale and its receipt together: owing nothing more, no warning."""
    risk_services.risk_settings_update(block_risky_sales=True)
    result = run_import(sale_book(tmp_path / "paid.xlsx", 500, receipt=500), user=finance_user, confirmed=False)
    assert result.written and result.warnings == [] and result.errors == []
    assert selectors.open_receivables_by_customer(customer_ids=[limited.pk])[limited.pk] == D("600.00")


def test_a_part_paid_sale_in_the_file_owes_only_its_open_part(limited, finance_user, tmp_path):
    risk_services.risk_settings_update(block_risky_sales=True)
    # 600 open + 500 − 100 received = 1,000: at the limit, not over it
    result = run_import(sale_book(tmp_path / "part.xlsx", 500, receipt=100), user=finance_user, confirmed=False)
    assert result.written and result.warnings == [] and result.errors == []
    # one fen more is over it, and with the block on it is refused, as on the form
    refused = run_import(sale_book(tmp_path / "more.xlsx", "500.01", receipt=None), user=finance_user)
    assert not refused.written and refused.errors


def test_a_new_customer_in_the_file_is_checked_against_its_limit_in_the_file(finance_user, team_east, tmp_path):
    from tests.imports import CUSTOMER_HEADERS

    book = write_book(
        tmp_path / "new.xlsx",
        {
            "客户 Customers": table(
                CUSTOMER_HEADERS,
                [{"customer_id": "N1", "name": "新客户甲", "team": "East", "credit_limit": 300}],
                keys=["customer_id", "name", "team", "credit_limit"],
            ),
            "交易 Sales": table(
                SALE_HEADERS,
                [
                    {
                        "sale_id": "S1",
                        "customer_id": "N1",
                        "date": iso(-10),
                        "product": "设备",
                        "amount": 450,
                    }
                ],
                keys=SALE_KEYS,
            ),
        },
    )
    result = run_import(book, user=finance_user, confirmed=False)
    assert result.held and not result.written
    assert "新客户甲" in result.warnings[0].message and "¥300.00" in result.warnings[0].message


def test_a_free_sample_is_a_sale_of_zero(east_customer, finance_user, tmp_path):
    """¥0.00 lines (a free sample, a replacement) are purchases with no revenue: accepted from the
    service and from the import, paid at once, and neither paid on time nor late."""
    sample = record_sale(east_customer, "0.00", -40)
    assert sample.pk and sample.amount == D("0.00")
    east_customer.external_id = "E1"
    east_customer.save()
    book = write_book(
        tmp_path / "zero.xlsx",
        {
            "交易 Sales": table(
                SALE_HEADERS,
                [
                    {
                        "sale_id": "Z1",
                        "customer_id": "E1",
                        "date": iso(-30),
                        "product": "样品",
                        "amount": 0,
                    },
                    {
                        "sale_id": "Z2",
                        "customer_id": "E1",
                        "date": iso(-29),
                        "product": "退货",
                        "amount": -1,
                    },
                ],
                keys=SALE_KEYS,
            )
        },
    )
    with translation.override("en"):
        result = run_import(book, user=finance_user)
    assert rows(result) == [("交易 Sales", 3, "金额 / Amount", "“-1”: The amount of a sale cannot be negative.")]
    result = run_import(book, user=finance_user, good_rows_only=True)
    zero = Sale.objects.get(external_id="Z1")
    assert zero.amount == D("0.00")
    today = timezone.localdate()
    ledger = selectors.customer_ledger(customer=east_customer, as_of=today)
    assert ledger["open_total"] == D("0.00") and ledger["late_share"] is None  # no invoice asked for money
    assert calculations.sale_status(amount=zero.amount, paid=D("0"), due_date=zero.due_date, as_of=today) == (
        SaleStatus.PAID
    )
    figures = selectors.receivable_figures(customer_ids=[east_customer.pk], as_of=today)[east_customer.pk]
    assert (figures.late_share, figures.days_to_pay, figures.days_late) == (None, None, None)


def test_no_sheet_reaches_a_record_outside_the_users_scope(
    sales_user, other_sales_user, east_customer, south_customer, tmp_path
):
    """A Sales user names another team's cost entry by its exported ID to move it onto their own
    customer with a new amount: refused by the check, and by the service if the check were skipped."""
    theirs = cost(south_customer, "900.00", -3, category_name="Repairs")
    east_customer.external_id = "E1"
    east_customer.save()
    row = {
        "cost_id": exported_id(None, theirs.pk),
        "customer_id": "E1",
        "date": iso(-2),
        "category": "Repairs",
        "amount": 1,
    }
    book = write_book(tmp_path / "steal.xlsx", {"成本 Costs": table(COST_HEADERS, [row])})
    result = run_import(book, user=sales_user, good_rows_only=True)
    assert not CostEntry.objects.filter(customer=east_customer).exists()
    assert [e.column for e in result.errors] == ["成本编号 / Cost ID"]
    theirs.refresh_from_db()
    assert (theirs.customer, theirs.amount) == (south_customer, D("900.00"))

    from costing import services as costing_services

    with pytest.raises(ValidationError):
        costing_services.cost_entry_record_many(
            rows=[
                costing_services.CostRow(
                    external_id="X",
                    pk=theirs.pk,
                    customer_id=east_customer.pk,
                    category_id=theirs.category_id,
                    amount=D("1.00"),
                    date=day(-2),
                )
            ],
            user=sales_user,
        )
    with pytest.raises(ValidationError):  # nor a sale booked to another team's customer
        services.sale_record_many(
            rows=[
                services.SaleRow(
                    external_id="X",
                    pk=None,
                    customer_id=south_customer.pk,
                    occurred_at=at(-1),
                    product="设备",
                    amount=D("1.00"),
                )
            ],
            user=sales_user,
        )
    assert not Sale.objects.filter(customer=south_customer).exists()


def test_an_admin_importing_an_unknown_team_is_offered_to_create_it(admin_user_role, finance_user, team_east, tmp_path):
    from customers.models import Customer, Team
    from tests.imports import CUSTOMER_HEADERS

    book = write_book(
        tmp_path / "north.xlsx",
        {
            "客户 Customers": table(
                CUSTOMER_HEADERS,
                [
                    {"customer_id": "N1", "name": "北方一号", "team": "华北销售组"},
                    {"customer_id": "N2", "name": "北方二号", "team": "华北销售组"},
                ],
                keys=["customer_id", "name", "team"],
            )
        },
    )
    # Finance may not create teams: the name is simply unknown.
    refused = run_import(book, user=finance_user, dry_run=True)
    assert [(e.row, e.message) for e in refused.errors] == [
        (2, "“华北销售组”：不是本列可填的名称"),
        (3, "“华北销售组”：不是本列可填的名称"),
    ]
    # An Admin: the dry run says the team would be created, once, and what the import would write.
    dry = run_import(book, user=admin_user_role, dry_run=True)
    assert dry.errors == [] and [(w.row, w.message) for w in dry.warnings] == [
        (2, "没有名为“华北销售组”的团队：导入时将新建该团队。")
    ]
    assert dry.counts["customers"] == counts(created=2)
    held = run_import(book, user=admin_user_role, confirmed=False)
    assert held.held and not Team.objects.filter(name="华北销售组").exists()
    assert run_import(book, user=admin_user_role, confirmed=True).written
    north = Team.objects.get(name="华北销售组")
    assert set(Customer.objects.filter(team=north).values_list("external_id", flat=True)) == {"N1", "N2"}
