"""Factories and small helpers for the ledger's tests.

Sales and payments that should go through the ledger's rules (allocation, credit, customer type) are
made with record_sale() / record_payment(), which call the services; SaleFactory writes a row
directly and is for volume or for history the services would refuse (e.g. no allocation logic).
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from tests.customers.factories import CustomerFactory, TeamFactory, UserFactory
from transactions import services
from transactions.models import PaymentMethod, Sale

__all__ = [
    "CustomerFactory",
    "PaymentMethodFactory",
    "SaleFactory",
    "TeamFactory",
    "UserFactory",
    "at",
    "cash",
    "day",
    "record_payment",
    "record_sale",
]


def day(offset: int = 0) -> datetime.date:
    """Today (in the project's time zone) plus `offset` days; negative is the past."""
    return timezone.localdate() + datetime.timedelta(days=offset)


def at(when, hour: int = 12) -> datetime.datetime:
    """An aware datetime at `hour` local time on `when` (a date, or an offset in days from today)."""
    if isinstance(when, int):
        when = day(when)
    return timezone.make_aware(datetime.datetime.combine(when, datetime.time(hour)))


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentMethod
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试方式{n}")
    name_en = factory.Sequence(lambda n: f"Test method {n}")
    fee_rate = Decimal("0")
    fixed_fee = Decimal("0.00")
    settlement_days = 0
    is_active = True


def cash() -> PaymentMethod:
    """No fee, settles the same day."""
    return PaymentMethodFactory(name="测试现金", name_en="Test cash")


class SaleFactory(factory.django.DjangoModelFactory):
    """A sale row written directly (no allocation, no customer-type move)."""

    class Meta:
        model = Sale

    customer = factory.SubFactory(CustomerFactory)
    occurred_at = factory.LazyFunction(lambda: at(0))
    product = factory.Sequence(lambda n: f"产品{n}")
    amount = Decimal("100.00")
    due_date = factory.LazyAttribute(
        lambda o: timezone.localtime(o.occurred_at).date() + datetime.timedelta(days=o.customer.payment_terms_days)
    )


def record_sale(customer, amount, when=0, *, due_date=None, product="服务", cost_of_goods=None, user=None) -> Sale:
    """Record a sale through services.sale_record; `when` is a date or an offset in days from today."""
    return services.sale_record(
        customer=customer,
        occurred_at=at(when),
        product=product,
        amount=Decimal(amount),
        cost_of_goods=cost_of_goods,
        due_date=due_date,
        user=user,
    )


def record_payment(customer, amount, when=0, *, method=None, allocations=None, reference="", user=None):
    """Record a receipt through services.payment_record; `when` as for record_sale."""
    return services.payment_record(
        customer=customer,
        received_at=at(when),
        amount=Decimal(amount),
        method=method or cash(),
        reference=reference,
        allocations=allocations,
        user=user,
    )
