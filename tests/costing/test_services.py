"""Cost entries and campaigns through the services: validation, and allocations exact to the fen."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from costing import services
from costing.choices import AllocationRule
from costing.models import Campaign, CampaignAllocation, CostEntry
from tests.customers.factories import CustomerFactory
from transactions import services as ledger

from .factories import campaign, category, cost, day, record_sale

pytestmark = pytest.mark.django_db

D = Decimal
MARCH_1, MARCH_31 = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)


def shares(c: Campaign) -> dict:
    return dict(CampaignAllocation.objects.filter(campaign=c).values_list("customer_id", "amount"))


@pytest.fixture
def three(team_east):
    return [CustomerFactory(team=team_east, name=f"Target {i}") for i in range(3)]


# --- cost entries -------------------------------------------------------------------------------


def test_cost_entry_is_recorded_rounded_with_who_recorded_it(east_customer, sales_user):
    entry = cost(east_customer, "80.255", -3, note="  换零件  ", author=sales_user)
    entry.refresh_from_db()
    assert entry.amount == D("80.26")  # half-up to the fen
    assert (entry.date, entry.note, entry.created_by, entry.category.name_en) == (
        day(-3),
        "换零件",
        sales_user,
        "Repairs",
    )


@pytest.mark.parametrize("amount", ["0", "0.00", "0.004", "-5.00"])
def test_cost_entry_refuses_an_amount_that_is_not_positive(east_customer, amount):
    with pytest.raises(ValidationError) as error:
        cost(east_customer, amount, -1)
    assert "amount" in error.value.message_dict
    assert not CostEntry.objects.exists()


def test_cost_entry_refuses_a_future_date(east_customer):
    with pytest.raises(ValidationError) as error:
        cost(east_customer, "10.00", 2)
    assert "date" in error.value.message_dict
    with pytest.raises(ValidationError):
        cost(east_customer, "10.00", datetime.date(1989, 12, 31))
    assert not CostEntry.objects.exists()


def test_cost_entry_refuses_an_inactive_category(east_customer):
    repairs = category("Repairs")
    repairs.is_active = False
    repairs.save()
    with pytest.raises(ValidationError) as error:
        services.cost_entry_record(customer=east_customer, category=repairs, amount=D("10.00"), date=day(0))
    assert "category" in error.value.message_dict
    assert not CostEntry.objects.exists()


def test_seeded_categories_are_in_their_families():
    assert category("Advertising").family == "marketing"
    assert category("Gifts").family == "marketing"
    assert category("Repairs").family == "service"
    assert category("Travel").family == "service"


# --- campaigns: allocation ----------------------------------------------------------------------


def test_equal_split_gives_the_remainder_fen_to_the_first_target(three, finance_user):
    c = campaign(three, "100.00", MARCH_1, MARCH_31, user=finance_user)
    a, b, cc = three
    assert shares(c) == {a.pk: D("33.34"), b.pk: D("33.33"), cc.pk: D("33.33")}
    assert c.created_by == finance_user
    assert set(CampaignAllocation.objects.values_list("weight", flat=True)) == {D("0.00")}


def test_revenue_split_counts_only_non_void_revenue_inside_the_period(three):
    a, b, cc = three
    record_sale(a, "100.00", datetime.date(2025, 3, 1))
    record_sale(a, "900.00", datetime.date(2025, 2, 28))  # before the period
    record_sale(b, "150.00", datetime.date(2025, 3, 15))
    record_sale(b, "50.00", datetime.date(2025, 3, 31))
    record_sale(cc, "5000.00", datetime.date(2025, 4, 1))  # after the period
    void = record_sale(cc, "5000.00", datetime.date(2025, 3, 10))
    ledger.sale_void(sale=void, reason="录错")
    c = campaign(three, "100.00", MARCH_1, MARCH_31, rule=AllocationRule.REVENUE)
    # weights 100 : 200 : 0 → 3333.33, 6666.67, 0 fen: the leftover fen goes to .67
    assert shares(c) == {a.pk: D("33.33"), b.pk: D("66.67"), cc.pk: D("0.00")}
    weights = dict(CampaignAllocation.objects.values_list("customer_id", "weight"))
    assert weights == {a.pk: D("100.00"), b.pk: D("200.00"), cc.pk: D("0.00")}


def test_revenue_split_with_no_revenue_falls_back_to_equal(three):
    record_sale(three[0], "100.00", datetime.date(2025, 1, 5))  # outside the period
    c = campaign(three, "0.10", MARCH_1, MARCH_31, rule=AllocationRule.REVENUE)
    a, b, cc = three
    assert shares(c) == {a.pk: D("0.04"), b.pk: D("0.03"), cc.pk: D("0.03")}


@pytest.mark.parametrize("total", ["0.01", "0.02", "99.99", "1000.00", "123456.78"])
def test_allocations_always_add_up_to_the_total(three, total):
    a, b, cc = three
    record_sale(a, "7.00", datetime.date(2025, 3, 2))
    record_sale(b, "11.00", datetime.date(2025, 3, 3))
    record_sale(cc, "13.00", datetime.date(2025, 3, 4))
    for rule in AllocationRule.values:
        c = campaign(three, total, MARCH_1, MARCH_31, rule=rule)
        assert sum(shares(c).values()) == D(total)


def test_changing_targets_and_total_replaces_the_old_allocations(three, team_east):
    b = three[1]
    c = campaign(three, "100.00", MARCH_1, MARCH_31)
    extra = CustomerFactory(team=team_east, name="Latecomer")
    c = campaign([b, extra], "50.01", MARCH_1, MARCH_31, existing=c, name="改名活动")
    assert Campaign.objects.count() == 1
    c.refresh_from_db()
    assert (c.name, c.total_cost) == ("改名活动", D("50.01"))
    assert set(c.targets.all()) == {b, extra}
    # 5001 fen in two: 2500.5 each → the earlier (lower id) target gets the fen
    assert shares(c) == {b.pk: D("25.01"), extra.pk: D("25.00")}
    assert CampaignAllocation.objects.count() == 2


def test_switching_to_revenue_recomputes(three):
    a, b, cc = three
    record_sale(cc, "10.00", datetime.date(2025, 3, 9))
    c = campaign(three, "90.00", MARCH_1, MARCH_31)
    assert shares(c) == {a.pk: D("30.00"), b.pk: D("30.00"), cc.pk: D("30.00")}
    c = campaign(three, "90.00", MARCH_1, MARCH_31, rule=AllocationRule.REVENUE, existing=c)
    assert shares(c) == {a.pk: D("0.00"), b.pk: D("0.00"), cc.pk: D("90.00")}


def test_campaign_allocate_after_new_revenue_recomputes(three):
    a, b, cc = three
    record_sale(a, "30.00", datetime.date(2025, 3, 9))
    c = campaign(three, "10.00", MARCH_1, MARCH_31, rule=AllocationRule.REVENUE)
    assert shares(c) == {a.pk: D("10.00"), b.pk: D("0.00"), cc.pk: D("0.00")}
    record_sale(b, "10.00", datetime.date(2025, 3, 19))
    services.campaign_allocate(campaign=c)
    # 1000 fen × 30/40 = 750, × 10/40 = 250
    assert shares(c) == {a.pk: D("7.50"), b.pk: D("2.50"), cc.pk: D("0.00")}


# --- campaigns: refusals ------------------------------------------------------------------------


def test_a_campaign_needs_a_marketing_category(three):
    with pytest.raises(ValidationError) as error:
        campaign(three, "100.00", MARCH_1, MARCH_31, category_name="Repairs")
    assert "category" in error.value.message_dict
    assert not Campaign.objects.exists()
    assert not CampaignAllocation.objects.exists()


def test_a_campaign_cannot_end_before_it_starts(three):
    with pytest.raises(ValidationError) as error:
        campaign(three, "100.00", MARCH_31, MARCH_1)
    assert "ends_on" in error.value.message_dict
    assert not Campaign.objects.exists()


def test_a_campaign_needs_targets():
    with pytest.raises(ValidationError) as error:
        campaign([], "100.00", MARCH_1, MARCH_31)
    assert "targets" in error.value.message_dict
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("total", ["0.00", "-1.00", "0.004"])
def test_a_campaign_needs_a_positive_total(three, total):
    with pytest.raises(ValidationError) as error:
        campaign(three, total, MARCH_1, MARCH_31)
    assert "total_cost" in error.value.message_dict
    assert not Campaign.objects.exists()


def test_a_refused_change_keeps_the_old_campaign_and_allocations(three):
    a, b, cc = three
    c = campaign(three, "100.00", MARCH_1, MARCH_31)
    with pytest.raises(ValidationError):
        campaign([], "50.00", MARCH_1, MARCH_31, existing=c)
    c.refresh_from_db()
    assert c.total_cost == D("100.00")
    assert shares(c) == {a.pk: D("33.34"), b.pk: D("33.33"), cc.pk: D("33.33")}


# --- recorded without a user (imports, scheduled jobs) ----------------------------------------------


def test_cost_entry_can_be_recorded_without_a_user(east_customer):
    entry = services.cost_entry_record(
        customer=east_customer, category=category("Repairs"), amount=D("10.00"), date=day(0)
    )
    assert entry.created_by is None


def test_campaign_can_be_saved_without_a_user(three):
    c = services.campaign_save(
        name="导入的活动",
        starts_on=MARCH_1,
        ends_on=MARCH_31,
        total_cost=D("30.00"),
        category=category("Advertising"),
        allocation_rule=AllocationRule.EQUAL,
        targets=three,
    )
    assert c.created_by is None
    assert sum(shares(c).values()) == D("30.00")


def test_cost_entry_refuses_a_marketing_cost_from_someone_who_may_not_book_one(east_customer, sales_user, finance_user):
    with pytest.raises(ValidationError) as error:
        cost(east_customer, "10.00", -1, category_name="Advertising", author=sales_user)
    assert "category" in error.value.message_dict
    assert not CostEntry.objects.exists()
    assert cost(east_customer, "10.00", -1, category_name="Advertising", author=finance_user).amount == D("10.00")
