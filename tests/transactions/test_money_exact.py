"""Money is exact on every backend: 10,000 random amounts summed in the database equal the Decimal sum
to the fen (SQLite by default; PostgreSQL when DATABASE_URL points there)."""

import random
from decimal import Decimal

import pytest

from custnotes.money import money_sum
from transactions import selectors
from transactions.models import Sale

from .factories import at, day

pytestmark = pytest.mark.django_db

COUNT = 10_000
MAX_FEN = 999_999_999  # 9,999,999.99

# days the sale is due from today → the aging column it lands in on today
DUE_OFFSETS = {
    5: "not_due",
    0: "not_due",
    -1: "d1_30",
    -30: "d1_30",
    -31: "d31_60",
    -61: "d61_90",
    -91: "over_90",
}


def random_amounts(seed: int) -> list[Decimal]:
    rng = random.Random(seed)
    return [(Decimal(rng.randint(1, MAX_FEN)) / 100).quantize(Decimal("0.01")) for _ in range(COUNT)]


@pytest.mark.parametrize("seed", [20250630, 7])
def test_ten_thousand_amounts_sum_exactly(seed, east_customer, finance_user):
    amounts = random_amounts(seed)
    rng = random.Random(seed + 1)
    offsets = [rng.choice(list(DUE_OFFSETS)) for _ in amounts]
    Sale.objects.bulk_create(
        Sale(
            customer=east_customer,
            occurred_at=at(min(offset, 0) - 1),
            product="p",
            amount=amount,
            due_date=day(offset),
        )
        for amount, offset in zip(amounts, offsets, strict=True)
    )
    expected = sum(amounts, Decimal("0.00"))
    by_column = dict.fromkeys(DUE_OFFSETS.values(), Decimal("0.00"))
    for amount, offset in zip(amounts, offsets, strict=True):
        by_column[DUE_OFFSETS[offset]] += amount

    total = Sale.objects.filter(customer=east_customer).aggregate(total=money_sum("amount"))["total"]
    assert isinstance(total, Decimal)
    assert total == expected
    assert total.as_tuple().exponent == -2

    # every stored amount comes back as it went in
    stored = sorted(Sale.objects.filter(customer=east_customer).values_list("amount", flat=True))
    assert stored == sorted(amounts)

    (row,) = selectors.receivables_aging(user=finance_user, as_of=day(0))
    assert row["open_total"] == expected
    for column, value in by_column.items():
        assert row[column] == value, column
    assert sum((row[c] for c in ("not_due", "d1_30", "d31_60", "d61_90", "over_90")), Decimal("0.00")) == expected


def test_the_largest_amounts_do_not_lose_a_fen(east_customer):
    amounts = [Decimal("9999999.99")] * 1000 + [Decimal("0.01")]
    Sale.objects.bulk_create(
        Sale(customer=east_customer, occurred_at=at(-1), product="p", amount=a, due_date=day(0)) for a in amounts
    )
    total = Sale.objects.aggregate(total=money_sum("amount"))["total"]
    assert total == Decimal("9999999990.01")  # 9,999,999.99 × 1000 + 0.01
