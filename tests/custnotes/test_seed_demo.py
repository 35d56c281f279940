"""manage.py seed_demo: the asked counts, the same rows for the same seed, and books that satisfy the
ledger's invariants as the sections' own selectors and formulas read them."""

import collections
import datetime
import statistics

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from costing.models import Campaign, CampaignAllocation, CostEntry
from custnotes import roles
from customers.models import Customer, Industry, Team
from transactions import calculations, selectors, services
from transactions.models import Allocation, Payment, PaymentMethod, Sale
from transactions.selectors import receivable_figures

pytestmark = pytest.mark.django_db

CUSTOMERS, SALES, PAYMENTS, COSTS = 200, 3000, 2400, 500


def seed_small(seed=7):
    call_command(
        "seed_demo",
        "--customers",
        str(CUSTOMERS),
        "--sales",
        str(SALES),
        "--payments",
        str(PAYMENTS),
        "--costs",
        str(COSTS),
        "--seed",
        str(seed),
        stdout=open("/dev/null", "w"),  # noqa: SIM115 - the command's report is not under test
    )


@pytest.fixture
def seeded():
    seed_small()


def snapshot() -> dict:
    """The seeded books by content (user pks move with the database's sequences, usernames do not)."""
    return {
        "customers": list(
            Customer.objects.order_by("pk").values_list(
                "name", "team__name", "owner__username", "industry__name", "customer_type", "credit_limit"
            )
        ),
        "sales": list(
            Sale.objects.order_by("pk").values_list(
                "customer__name",
                "occurred_at",
                "amount",
                "cost_of_goods",
                "due_date",
                "is_void",
                "created_by__username",
            )
        ),
        "payments": list(
            Payment.objects.order_by("pk").values_list("customer__name", "kind", "received_at", "amount", "fee")
        ),
        "allocations": list(Allocation.objects.order_by("pk").values_list("payment_id", "sale_id", "amount")),
        "costs": list(CostEntry.objects.order_by("pk").values_list("customer__name", "category__name", "amount")),
        "campaigns": list(CampaignAllocation.objects.order_by("pk").values_list("campaign__name", "amount")),
    }


class Rollback(Exception):
    pass


def seeded_snapshot(seed) -> dict:
    try:
        with transaction.atomic():
            seed_small(seed)
            found = snapshot()
            raise Rollback
    except Rollback:
        pass
    return found


def test_the_asked_counts(seeded):
    assert Customer.objects.count() == CUSTOMERS
    assert Sale.objects.count() == SALES
    assert Payment.objects.count() == PAYMENTS
    assert CostEntry.objects.count() == COSTS
    assert Payment.objects.filter(kind=Payment.Kind.REFUND).count() == round(PAYMENTS * 0.01)
    assert Sale.objects.filter(is_void=True).exists()
    assert Campaign.objects.count() >= 3
    assert Industry.objects.filter(customers__isnull=False).distinct().count() >= 8
    assert Team.objects.filter(customers__isnull=False).distinct().count() >= 3


def test_the_same_seed_gives_the_same_books_and_another_seed_others():
    first = seeded_snapshot(7)
    assert not Customer.objects.exists()  # rolled back
    again = seeded_snapshot(7)
    assert first == again
    assert len(first["sales"]) == SALES
    other = seeded_snapshot(8)
    assert other["sales"] != first["sales"]


def test_purchase_counts_are_heavy_tailed_and_seasonal(seeded):
    per_customer = sorted(_sales_per_customer())
    assert per_customer[-1] >= 8 * statistics.median(per_customer)  # a few big buyers, most buy a handful
    months = collections.Counter(calculations.local_date(moment).month for moment in _sale_moments())
    days_in = {2: 28, 11: 30, 12: 31}
    assert months[2] / days_in[2] < (months[11] + months[12]) / (days_in[11] + days_in[12])  # Spring Festival lull
    # every customer but the prospects bought
    prospects = Customer.objects.filter(customer_type="prospect")
    assert not Sale.objects.filter(customer__in=prospects, is_void=False).exists()
    assert 0 < prospects.count() < CUSTOMERS * 0.2


def _sales_per_customer():
    counts = collections.Counter(Sale.objects.values_list("customer_id", flat=True))
    return list(counts.values())


def _sale_moments():
    return Sale.objects.values_list("occurred_at", flat=True)


def test_dates_lie_in_the_two_years_before_today(seeded):
    today = timezone.localdate()
    first, last = today - datetime.timedelta(days=730), today - datetime.timedelta(days=1)
    now = timezone.now()
    for moment in [*_sale_moments(), *Payment.objects.values_list("received_at", flat=True)]:
        assert first <= calculations.local_date(moment) <= last
        assert moment < now
    assert all(first <= day <= last for day in CostEntry.objects.values_list("date", flat=True))


def test_open_amounts_agree_with_the_receivables_selector(seeded):
    """Each customer's open total (receivable_figures, the figure every page shows) is its non-void
    sales less what was allocated to them, summed here from the rows."""
    billed, allocated = collections.Counter(), collections.Counter()
    for customer_id, amount in Sale.objects.filter(is_void=False).values_list("customer_id", "amount"):
        billed[customer_id] += amount
    for customer_id, amount in Allocation.objects.filter(sale__is_void=False).values_list(
        "sale__customer_id", "amount"
    ):
        allocated[customer_id] += amount
    ids = list(Customer.objects.values_list("pk", flat=True))
    figures = receivable_figures(customer_ids=ids, as_of=timezone.localdate())
    for customer_id in ids:
        assert figures[customer_id].open_total == billed[customer_id] - allocated[customer_id], customer_id
    total_open = sum(f.open_total for f in figures.values())
    assert 0 < total_open * 10 < sum(billed.values()) * 4  # most is paid, some is open
    assert sum(f.over_90 for f in figures.values()) > 0  # and some of it long overdue
    call_command("check_figures", stdout=open("/dev/null", "w"))  # noqa: SIM115 - running figures agree
    call_command("check_figures", stdout=open("/dev/null", "w"))  # noqa: SIM115 - every section's, rebuilt


def test_no_allocation_beyond_its_sale_or_its_payment(seeded):
    sales = {pk: (customer, amount, is_void, calculations.local_date(at)) for pk, customer, amount, is_void, at in
             Sale.objects.values_list("pk", "customer_id", "amount", "is_void", "occurred_at")}  # fmt: skip
    payments = {
        p.pk: p
        for p in selectors.payments_with_unallocated(Payment.objects.all()).select_related("method", "refund_of")
    }
    on_sale, on_payment = collections.Counter(), collections.Counter()
    for payment_id, sale_id, amount, applied_on in Allocation.objects.values_list(
        "payment_id", "sale_id", "amount", "applied_on"
    ):
        customer, _amount, is_void, sale_day = sales[sale_id]
        payment = payments[payment_id]
        assert amount > 0
        assert not is_void  # voided sales carry no allocation
        assert payment.kind == Payment.Kind.RECEIPT and payment.customer_id == customer
        assert applied_on == max(calculations.local_date(payment.received_at), sale_day)
        on_sale[sale_id] += amount
        on_payment[payment_id] += amount
    assert all(on_sale[pk] <= amount for pk, (_c, amount, _v, _d) in sales.items())
    partly = [pk for pk, (_c, amount, _v, _d) in sales.items() if 0 < on_sale[pk] < amount]
    assert partly  # partial payments
    refunded = collections.Counter()
    for payment in payments.values():
        if payment.kind == Payment.Kind.REFUND:
            receipt = payment.refund_of
            assert receipt.kind == Payment.Kind.RECEIPT and receipt.customer_id == payment.customer_id
            assert calculations.local_date(payment.received_at) >= calculations.local_date(receipt.received_at)
            assert payment.fee == 0
            refunded[receipt.pk] += payment.amount
    for payment in payments.values():
        if payment.kind == Payment.Kind.RECEIPT:
            assert on_payment[payment.pk] + refunded[payment.pk] <= payment.amount
            assert payment.unallocated >= 0  # the selector's view: refunds came out of credit


def test_derived_values_follow_the_sections_rules(seeded):
    terms = dict(Customer.objects.values_list("pk", "payment_terms_days"))
    for customer_id, occurred_at, due_date in Sale.objects.values_list("customer_id", "occurred_at", "due_date"):
        assert due_date == calculations.default_due_date(calculations.local_date(occurred_at), terms[customer_id])
    methods = {m.pk: m for m in PaymentMethod.objects.all()}
    late = 0
    for payment in Payment.objects.filter(kind=Payment.Kind.RECEIPT):
        method = methods[payment.method_id]
        assert payment.fee == calculations.payment_fee(payment.amount, method.fee_rate, method.fixed_fee)
        day = calculations.local_date(payment.received_at)
        assert payment.settles_on == calculations.settlement_date(day, method.settlement_days)
    for allocation in Allocation.objects.select_related("sale"):
        late += allocation.applied_on > allocation.sale.due_date
    assert late  # late payments
    today = timezone.localdate()
    dates = collections.defaultdict(list)
    for customer_id, moment in Sale.objects.filter(is_void=False).values_list("customer_id", "occurred_at"):
        dates[customer_id].append(calculations.local_date(moment))
    for customer in Customer.objects.all():
        assert customer.customer_type == calculations.customer_type_for("prospect", dates[customer.pk], today)
    finance = set(get_user_model().objects.filter(groups__name=roles.FINANCE).values_list("pk", flat=True))
    for sale in Sale.objects.filter(is_void=True):
        assert sale.void_reason and sale.voided_by_id in finance
    for campaign in Campaign.objects.prefetch_related("allocations"):
        assert sum(share.amount for share in campaign.allocations.all()) == campaign.total_cost
        assert {share.customer_id for share in campaign.allocations.all()} == set(
            campaign.targets.values_list("pk", flat=True)
        )


def test_users_in_every_role_with_the_demo_password(seeded):
    User = get_user_model()
    for role in roles.ROLES:
        users = User.objects.filter(groups__name=role)
        assert users.exists(), role
        assert all(user.check_password("custnotes-demo") for user in users)
    assert User.objects.get(username="admin").is_superuser
    for team in Team.objects.filter(customers__isnull=False).distinct():
        assert team.members.filter(groups__name=roles.SALES).exists()
    for customer in Customer.objects.select_related("owner"):
        assert customer.owner.teams.filter(pk=customer.team_id).exists()


def test_the_ledger_takes_new_records_after_seeding(seeded):
    """The ids were given explicitly; the sequences were moved past them, so the services still write."""
    customer = Customer.objects.exclude(customer_type="prospect").order_by("pk").first()
    finance = get_user_model().objects.get(username="finance1")
    now = timezone.now() - datetime.timedelta(minutes=1)
    sale = services.sale_record(customer=customer, occurred_at=now, product="加急订单", amount=500, user=finance)
    payment = services.payment_record(
        customer=customer,
        received_at=now,
        amount=500,
        method=PaymentMethod.objects.filter(is_active=True).first(),
        allocations={sale.pk: 500},
        user=finance,
    )
    assert sale.pk > Sale.objects.exclude(pk=sale.pk).order_by("-pk").first().pk
    assert payment.allocations.get().sale == sale
    call_command("check_figures", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("check_figures", stdout=open("/dev/null", "w"))  # noqa: SIM115 - kept by the writes too


def test_pages_answer_on_the_seeded_books(seeded, client_for):
    User = get_user_model()
    biggest = collections.Counter(Sale.objects.values_list("customer_id", flat=True)).most_common(1)[0][0]
    for user in [User.objects.get(username="admin"), Customer.objects.get(pk=biggest).owner]:
        client = client_for(user)
        assert client.get(reverse("customers:list")).status_code == 200
        assert client.get(reverse("customers:detail", args=[biggest])).status_code == 200


def test_seeding_refuses_a_database_with_customers(seeded):
    with translation.override("en"), pytest.raises(CommandError, match="already has customers"):
        seed_small()
    assert Customer.objects.count() == CUSTOMERS


def test_seeding_never_runs_with_production_settings(settings):
    settings.DEMO_DATA_ALLOWED = False
    with translation.override("en"), pytest.raises(CommandError, match="production"):
        seed_small()
    assert not Customer.objects.exists()
