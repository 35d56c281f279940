"""Cost and profit pages: who may record what, the profitability report (totals, windows, sorting,
export), campaigns, and constant query counts."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from openpyxl import load_workbook

from costing import services
from costing.calculations import ProfitAndLoss, quarter_window
from costing.models import Campaign, CampaignAllocation, CostEntry
from costing.tables import ProfitabilityTable
from tests.customers.factories import CustomerFactory, IndustryFactory
from transactions.selectors import sale_list
from transactions.tables import SaleTable

from .factories import campaign, card, category, clerk, cost, day, record_payment, record_sale

pytestmark = pytest.mark.django_db

D = Decimal
FIGURES = ProfitabilityTable.FIGURES


def cost_url(customer):
    return reverse("costing:cost-create", args=[customer.pk])


def cost_post(category_name, amount="12.34", when=None):
    return {
        "category": category(category_name).pk,
        "amount": amount,
        "date": (when or day(-1)).isoformat(),
        "note": "上门",
    }


# --- recording costs ----------------------------------------------------------------------------


def test_sales_records_a_service_cost_for_their_teams_customer(client_for, sales_user, east_customer):
    client = client_for(sales_user)
    page = client.get(cost_url(east_customer))
    assert page.status_code == 200
    offered = set(page.context["form"].fields["category"].queryset.values_list("family", flat=True))
    assert offered == {"service"}
    assert "Advertising" not in page.content.decode() and "广告" not in page.content.decode()
    response = client.post(cost_url(east_customer), cost_post("Repairs"))
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[east_customer.pk]) + "#costs"
    entry = CostEntry.objects.get()
    assert (entry.customer, entry.amount, entry.date, entry.created_by, entry.note) == (
        east_customer,
        D("12.34"),
        day(-1),
        sales_user,
        "上门",
    )
    assert entry.category.name_en == "Repairs"


def test_sales_cannot_record_a_marketing_cost_even_by_a_forged_post(client_for, sales_user, east_customer):
    response = client_for(sales_user).post(cost_url(east_customer), cost_post("Advertising"))
    assert response.status_code == 200
    assert "category" in response.context["form"].errors
    assert 'class="invalid-feedback"' in response.content.decode()
    assert not CostEntry.objects.exists()


def test_sales_gets_404_for_another_teams_customer(client_for, sales_user, south_customer):
    client = client_for(sales_user)
    assert client.get(cost_url(south_customer)).status_code == 404
    assert client.post(cost_url(south_customer), cost_post("Repairs")).status_code == 404
    assert not CostEntry.objects.exists()


@pytest.mark.parametrize("role_fixture", ["finance_user", "manager_user"])
def test_finance_and_manager_record_marketing_costs(request, client_for, role_fixture, south_customer):
    user = request.getfixturevalue(role_fixture)
    client = client_for(user)
    offered = client.get(cost_url(south_customer)).context["form"].fields["category"].queryset
    assert set(offered.values_list("family", flat=True)) == {"marketing", "service"}
    response = client.post(cost_url(south_customer), cost_post("Advertising", "1000.01"))
    assert response.status_code == 302
    entry = CostEntry.objects.get()
    assert (entry.category.family, entry.amount, entry.created_by) == ("marketing", D("1000.01"), user)


@pytest.mark.parametrize(
    ("amount", "when"),
    [("0", None), ("-5.00", None), ("abc", None), ("10.00", day(2))],
)
def test_bad_cost_input_is_refused_with_a_message(client_for, finance_user, east_customer, amount, when):
    response = client_for(finance_user).post(cost_url(east_customer), cost_post("Repairs", amount, when=when))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not CostEntry.objects.exists()


def test_an_inactive_category_is_not_offered(client_for, finance_user, east_customer):
    repairs = category("Repairs")
    repairs.is_active = False
    repairs.save()
    client = client_for(finance_user)
    assert repairs not in client.get(cost_url(east_customer)).context["form"].fields["category"].queryset
    assert client.post(cost_url(east_customer), cost_post("Repairs")).status_code == 200
    assert not CostEntry.objects.exists()


def test_cost_list_is_scoped_to_the_users_teams(client_for, sales_user, east_customer, south_customer):
    cost(east_customer, "1.00", -1, note="east note")
    cost(south_customer, "2.00", -1, note="south note")
    body = client_for(sales_user).get(reverse("costing:costs")).content.decode()
    assert "east note" in body
    assert "south note" not in body


# --- campaigns ----------------------------------------------------------------------------------


def campaign_post(targets, total="100.00", rule="equal", **extra):
    return {
        "name": "双十一",
        "starts_on": day(-10).isoformat(),
        "ends_on": day(-1).isoformat(),
        "total_cost": total,
        "category": category("Promotion").pk,
        "allocation_rule": rule,
        "targets": [t.pk for t in targets],
        "note": "",
        **extra,
    }


def test_sales_cannot_create_or_change_campaigns(client_for, sales_user, east_customer):
    client = client_for(sales_user)
    assert client.get(reverse("costing:campaign-create")).status_code == 403
    assert client.post(reverse("costing:campaign-create"), campaign_post([east_customer])).status_code == 403
    assert not Campaign.objects.exists()
    existing = campaign([east_customer], "10.00", day(-5))
    edit = reverse("costing:campaign-update", args=[existing.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, campaign_post([east_customer], "99.00")).status_code == 403
    existing.refresh_from_db()
    assert existing.total_cost == D("10.00")
    # but they may read the campaign pages
    assert client.get(reverse("costing:campaigns")).status_code == 200
    assert client.get(existing.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("role_fixture", ["finance_user", "manager_user"])
def test_finance_and_manager_create_a_campaign_which_is_allocated(
    request, client_for, role_fixture, east_customer, south_customer
):
    user = request.getfixturevalue(role_fixture)
    client = client_for(user)
    assert client.get(reverse("costing:campaign-create")).status_code == 200
    response = client.post(reverse("costing:campaign-create"), campaign_post([south_customer, east_customer]))
    created = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    assert (created.name, created.created_by, created.category.name_en) == ("双十一", user, "Promotion")
    # 10000 fen in two: 50.00 each, no remainder
    allocations = dict(CampaignAllocation.objects.values_list("customer_id", "amount"))
    assert allocations == {east_customer.pk: D("50.00"), south_customer.pk: D("50.00")}


def test_campaign_edit_recomputes_the_allocation(client_for, finance_user, east_customer, south_customer):
    record_sale(east_customer, "300.00", -5)
    record_sale(south_customer, "100.00", -6)
    record_sale(south_customer, "900.00", -30)  # before the campaign period
    existing = campaign([east_customer], "10.00", day(-10), day(-1), user=finance_user)
    client = client_for(finance_user)
    url = reverse("costing:campaign-update", args=[existing.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, campaign_post([east_customer, south_customer], "0.03", rule="revenue"))
    assert response.status_code == 302
    # 3 fen by 300 : 100 → 2.25 and 0.75: floors 2 and 0, the leftover fen goes to .75
    allocations = dict(CampaignAllocation.objects.values_list("customer_id", "amount"))
    assert allocations == {east_customer.pk: D("0.02"), south_customer.pk: D("0.01")}
    assert Campaign.objects.count() == 1


def test_a_campaign_ending_before_it_starts_is_refused(client_for, finance_user, east_customer):
    data = campaign_post([east_customer], starts_on=day(-1).isoformat(), ends_on=day(-10).isoformat())
    response = client_for(finance_user).post(reverse("costing:campaign-create"), data)
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_campaign_detail_shows_sales_only_their_customers_shares(client_for, sales_user, east_customer, south_customer):
    record_sale(east_customer, "40.00", -2)
    record_sale(south_customer, "900.00", -2)  # another team's revenue: never in a Sales user's figures
    existing = campaign([east_customer, south_customer], "0.03", day(-3), day(0))
    east_share = existing.allocations.get(customer=east_customer).amount
    assert east_share in (D("0.01"), D("0.02"))  # 0.03 split equally, the odd fen to one of them
    page = client_for(sales_user).get(existing.get_absolute_url())
    assert [row["allocation"].customer for row in page.context["allocations"]] == [east_customer]
    assert [row["revenue"] for row in page.context["allocations"]] == [D("40.00")]  # whatever the split rule
    assert page.context["report"] == {
        "cost": east_share,  # their customers' share of the cost, not the whole campaign's
        "revenue": D("40.00"),
        "roi": (D("40.00") - east_share) / east_share,
    }
    assert "¥0.03" in page.content.decode()  # the whole cost is named as such
    table = client_for(sales_user).get(reverse("costing:campaigns")).context["table"]
    assert [(r.get_cell_value("target_count"), r.get_cell_value("target_revenue")) for r in table.rows] == [
        (1, D("40.00"))
    ]


def test_a_sales_user_sees_no_campaign_aimed_only_at_another_team(client_for, sales_user, south_customer):
    theirs = campaign([south_customer], "50.00", day(-3))
    client = client_for(sales_user)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert len(client.get(reverse("costing:campaigns")).context["table"].rows) == 0


def test_finance_sees_the_whole_campaign_with_each_targets_revenue(
    client_for, finance_user, east_customer, south_customer
):
    record_sale(east_customer, "40.00", -2)
    record_sale(south_customer, "900.00", -2)
    existing = campaign([east_customer, south_customer], "0.03", day(-3), day(0))
    page = client_for(finance_user).get(existing.get_absolute_url())
    rows = {row["allocation"].customer: row["revenue"] for row in page.context["allocations"]}
    assert rows == {east_customer: D("40.00"), south_customer: D("900.00")}
    assert page.context["report"]["cost"] == D("0.03") and page.context["report"]["revenue"] == D("940.00")


def test_campaign_list_shows_revenue_of_targets(client_for, finance_user, east_customer):
    record_sale(east_customer, "150.00", -2)
    record_sale(east_customer, "1000.00", -20)  # before the period
    campaign([east_customer], "100.00", day(-5), day(-1), name="Autumn")
    table = client_for(finance_user).get(reverse("costing:campaigns")).context["table"]
    row = table.rows[0]
    assert row.get_cell_value("target_revenue") == D("150.00")
    assert row.get_cell_value("target_count") == 1


def test_campaign_list_shows_the_roi(client_for, finance_user, east_customer):
    record_sale(east_customer, "150.00", -2)
    campaign([east_customer], "100.00", day(-5), day(-1), name="Autumn")
    table = client_for(finance_user).get(reverse("costing:campaigns")).context["table"]
    assert table.rows[0].get_cell("roi") == "50.0 %"  # (150 − 100) / 100


# --- the profitability report -------------------------------------------------------------------


@pytest.fixture(params=["ledger", "running figures"])
def portfolio(request, east_customer, south_customer, team_east, finance_user):
    """Three customers with T12M figures (worked out in test_report_totals) and one old entry each;
    every report test runs twice: summed from the ledger, and read from the stored running figures
    (rebuilt for everyone, as the nightly job does)."""
    a, b = east_customer, south_customer
    c = CustomerFactory(team=team_east, name="Campaign Co")
    record_sale(a, "1000.00", -10, cost_of_goods=D("400.00"))
    record_payment(a, "500.00", -5, method=card())  # fee 500 × 0.006 + 0.50 = 3.50
    cost(a, "100.00", -3, category_name="Advertising", author=finance_user)
    cost(a, "50.25", -2, category_name="Repairs")
    record_sale(b, "333.33", -20)
    cost(b, "0.01", -1, category_name="Travel")
    campaign([a, b, c], "0.10", day(-4), day(-1))  # 0.04 / 0.03 / 0.03
    # older than the 365 days ending today
    record_sale(a, "7777.00", -400)
    cost(b, "8888.00", -365, category_name="Repairs")
    if request.param == "running figures":
        services.figures_rebuild()
    return a, b, c


TOTALS_T12M = ProfitAndLoss(
    revenue=D("1333.33"),  # 1000.00 + 333.33
    cost_of_goods=D("400.00"),
    payment_fees=D("3.50"),
    marketing_cost=D("100.10"),  # 100.00 + 0.04 + 0.03 + 0.03
    service_cost=D("50.26"),  # 50.25 + 0.01
    cost_unknown_revenue=D("333.33"),  # B's sale has no cost of goods
)


def report(client, **params):
    return client.get(reverse("costing:profitability"), params)


def test_report_rows_are_worked_out_by_hand(client_for, finance_user, portfolio):
    a, b, c = portfolio
    rows = {row["pk"]: row for row in report(client_for(finance_user)).context["table"].data}
    assert {k: rows[a.pk][k] for k in FIGURES} == {
        "revenue": D("1000.00"),
        "cost_of_goods": D("400.00"),
        "gross_margin": D("600.00"),
        "cost_unknown_revenue": D("0.00"),  # its one sale in the window has a cost of goods
        "payment_fees": D("3.50"),
        "marketing_cost": D("100.04"),
        "service_cost": D("50.25"),
        "contribution_profit": D("446.21"),  # 600 − 3.50 − 100.04 − 50.25
        "margin_pct": D("0.4462"),
        "marketing_roi": D("4.9976"),  # (600 − 100.04) / 100.04 = 4.99760
    }
    assert rows[b.pk]["cost_unknown_revenue"] == D("333.33")  # its sale has no cost of goods
    assert rows[b.pk]["gross_margin"] == D("333.33")  # counted in full
    assert rows[b.pk]["contribution_profit"] == D("333.29")  # 333.33 − 0.03 − 0.01
    assert rows[b.pk]["margin_pct"] == D("0.9999")
    assert rows[b.pk]["marketing_roi"] == D("11110.0000")  # (333.33 − 0.03) / 0.03
    assert rows[c.pk]["contribution_profit"] == D("-0.03")
    assert rows[c.pk]["margin_pct"] is None
    assert rows[c.pk]["marketing_roi"] == D("-1.0000")


def _footer_cells(html: str) -> list[str]:
    footer = re.search(r"<tfoot[^>]*>(.*?)</tfoot>", html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", footer, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_report_totals_equal_the_sum_of_the_rows(client_for, finance_user, portfolio):
    response = report(client_for(finance_user))
    rows = response.context["table"].data
    assert len(rows) == 3
    money = FIGURES[:8]  # revenue … contribution profit
    assert money[-1] == "contribution_profit"
    summed = {name: sum(row[name] for row in rows) for name in money}
    totals = response.context["totals"]
    assert summed == {name: getattr(totals, name) for name in money}
    assert totals == TOTALS_T12M
    assert totals.gross_margin == D("933.33")
    assert totals.contribution_profit == D("779.47")  # 446.21 + 333.29 − 0.03
    assert totals.margin_pct == D("0.5846")  # 779.47 / 1333.33 = 0.584603
    assert totals.marketing_roi == D("8.3240")  # (933.33 − 100.10) / 100.10 = 8.324076
    assert _footer_cells(response.content.decode()) == [
        gettext("Total"),
        "",
        "",
        "",
        "¥1,333.33",
        "¥400.00",
        "¥933.33",
        "¥333.33",
        "¥3.50",
        "¥100.10",
        "¥50.26",
        "¥779.47",
        "58.5 %",
        "832.4 %",
    ]


def test_sales_see_only_their_teams_rows_and_totals(client_for, sales_user, portfolio):
    a, _south, c = portfolio
    response = report(client_for(sales_user))
    assert {row["pk"] for row in response.context["table"].data} == {a.pk, c.pk}
    assert response.context["totals"].contribution_profit == D("446.18")  # 446.21 − 0.03
    assert response.context["totals"].revenue == D("1000.00")


def test_report_filters_restrict_rows_and_totals(client_for, finance_user, portfolio):
    b = portfolio[1]
    response = report(client_for(finance_user), q="South")
    assert [row["pk"] for row in response.context["table"].data] == [b.pk]
    assert response.context["totals"].revenue == D("333.33")


@pytest.mark.parametrize(
    ("params", "window"),
    [
        ({}, lambda t: (t - datetime.timedelta(days=364), t)),
        ({"period": "t12m"}, lambda t: (t - datetime.timedelta(days=364), t)),
        ({"period": "month"}, lambda t: (t.replace(day=1), t)),
        ({"period": "quarter"}, lambda t: quarter_window(t)),
        (
            {"period": "custom", "date_from": "2025-01-01", "date_to": "2025-02-28"},
            lambda t: (datetime.date(2025, 1, 1), datetime.date(2025, 2, 28)),
        ),
        ({"period": "nonsense"}, lambda t: (t - datetime.timedelta(days=364), t)),
    ],
)
def test_report_window_selector(client_for, finance_user, params, window):
    response = report(client_for(finance_user), **params)
    assert response.status_code == 200
    assert (response.context["start"], response.context["end"]) == window(timezone.localdate())


def test_a_custom_window_limits_the_figures(client_for, finance_user, portfolio):
    response = report(
        client_for(finance_user), period="custom", date_from=day(-10).isoformat(), date_to=day(-5).isoformat()
    )
    # inside: A's sale (−10) and card payment (−5); not the campaign (starts −4) nor the costs
    assert response.context["totals"] == ProfitAndLoss(
        revenue=D("1000.00"), cost_of_goods=D("400.00"), payment_fees=D("3.50")
    )


def test_a_custom_window_ending_before_it_starts_falls_back_to_t12m(client_for, finance_user, portfolio):
    response = report(client_for(finance_user), period="custom", date_from="2025-03-31", date_to="2025-03-01")
    assert response.status_code == 200
    assert escape(gettext("The window cannot end before it starts.")) in response.content.decode()
    today = timezone.localdate()
    assert (response.context["start"], response.context["end"]) == (
        today - datetime.timedelta(days=364),
        today,
    )
    assert response.context["totals"] == TOTALS_T12M


def test_a_custom_window_without_dates_shows_a_message(client_for, finance_user):
    response = report(client_for(finance_user), period="custom", date_from="2025-03-01")
    assert escape(gettext("A custom window needs both dates.")) in response.content.decode()


def test_report_exports_rows_and_a_totals_row_as_numbers(client_for, finance_user, portfolio):
    a, b, c = portfolio
    response = report(client_for(finance_user), export="xlsx", sort="-revenue")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="profitability-')
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))[1:]  # under the title row
    assert len(rows) == 1 + 3 + 1  # header, customers, totals
    assert [r[0] for r in rows[1:4]] == [a.name, b.name, c.name]  # by revenue, highest first

    def numbers(row):
        return [None if v is None else D(str(v)) for v in row[4:]]

    assert numbers(rows[1])[:8] == [
        D("1000"),
        D("400"),
        D("600"),
        D("0"),
        D("3.5"),
        D("100.04"),
        D("50.25"),
        D("446.21"),
    ]
    totals = rows[-1]
    assert totals[0] == gettext("Total")
    assert all(isinstance(v, int | float) for v in totals[4:])
    assert numbers(totals) == [
        D("1333.33"),
        D("400"),
        D("933.33"),
        D("333.33"),
        D("3.5"),
        D("100.1"),
        D("50.26"),
        D("779.47"),
        D("0.5846"),
        D("8.324"),
    ]
    # the totals row is the sum of the rows, to the fen
    for column in range(4, 12):
        assert sum(D(str(r[column])) for r in rows[1:4]) == D(str(totals[column]))


SORT_KEYS = ["name", "team", "industry", "customer_type", *FIGURES]


@pytest.mark.parametrize("sort", [*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)])
def test_report_sorts_by_every_column(client_for, finance_user, portfolio, sort):
    client = client_for(finance_user)
    assert report(client, sort=sort).status_code == 200
    assert report(client, sort=sort, export="xlsx").status_code == 200


def test_report_sort_order_is_right(client_for, finance_user, portfolio):
    a, b, c = portfolio
    client = client_for(finance_user)

    def names(sort):
        return [row.record["name"] for row in report(client, sort=sort).context["table"].page.object_list]

    assert names("-revenue") == [a.name, b.name, c.name]
    assert names("contribution_profit") == [c.name, b.name, a.name]
    assert names("-margin_pct")[:2] == [b.name, a.name]  # 0.9999, 0.4462; C has none


# --- constant query counts ----------------------------------------------------------------------


def _customers_with_entries(n, team, industry, finance_user, method):
    made = []
    for _ in range(n):
        customer = CustomerFactory(team=team, industry=industry)
        record_sale(customer, "100.00", -3, cost_of_goods=D("60.00"))
        record_sale(customer, "30.00", -3)  # without a cost of goods
        record_payment(customer, "50.00", -2, method=method)
        cost(customer, "5.00", -1, category_name="Advertising", author=finance_user)
        cost(customer, "2.00", -1, category_name="Repairs", author=finance_user)
        made.append(customer)
    campaign(made, "9.99", day(-2), user=finance_user)
    return made


def test_report_query_count_does_not_grow(client_for, finance_user, team_east, count_queries):
    industry, method = IndustryFactory(), card()
    client = client_for(finance_user)
    url = reverse("costing:profitability")
    _customers_with_entries(3, team_east, industry, finance_user, method)
    client.get(url)  # warm the session
    three = count_queries(lambda: client.get(url))
    export_three = count_queries(lambda: client.get(url, {"export": "xlsx"}))
    _customers_with_entries(27, team_east, industry, finance_user, method)
    assert count_queries(lambda: client.get(url)) == three
    assert count_queries(lambda: client.get(url, {"export": "xlsx"})) == export_three
    assert len(client.get(url).context["table"].data) == 30


def test_cost_list_query_count_does_not_grow(client_for, finance_user, team_east, count_queries):
    client = client_for(finance_user)
    url = reverse("costing:costs")

    def make(n):
        for i in range(n):
            customer = CustomerFactory(team=team_east)
            cost(customer, "3.00", -1, category_name="Advertising" if i % 2 else "Repairs", author=clerk())

    make(3)
    client.get(url)
    three = count_queries(lambda: client.get(url))
    make(27)
    assert count_queries(lambda: client.get(url)) == three
    assert count_queries(lambda: client.get(url, {"page": 2})) == three


def test_campaign_list_query_count_does_not_grow(client_for, finance_user, team_east, count_queries):
    client = client_for(finance_user)
    url = reverse("costing:campaigns")
    targets = [CustomerFactory(team=team_east) for _ in range(3)]
    record_sale(targets[0], "10.00", -1)

    def make(n):
        for i in range(n):
            campaign(targets, "10.00", day(-3), day(0), name=f"活动{i}", category_name="Events")

    make(3)
    client.get(url)
    three = count_queries(lambda: client.get(url))
    make(27)
    assert count_queries(lambda: client.get(url)) == three


def test_campaign_detail_query_count_does_not_grow_with_its_targets(client_for, sales_user, team_east, count_queries):
    """The scoped figures and each target's revenue: 3 targets cost what 30 cost."""
    client = client_for(sales_user)

    def page_for(n):
        targets = [CustomerFactory(team=team_east) for _ in range(n)]
        for target in targets:
            record_sale(target, "10.00", -1)
        existing = campaign(targets, "10.00", day(-3), day(0), name=f"活动{n}", category_name="Events")
        client.get(existing.get_absolute_url())
        return count_queries(lambda: client.get(existing.get_absolute_url()))

    assert page_for(30) == page_for(3)


def test_notebook_costs_section_query_count_does_not_grow(client_for, sales_user, east_customer, count_queries):
    client = client_for(sales_user)
    url = reverse("customers:detail", args=[east_customer.pk])

    def make(n):
        for i in range(n):
            record_sale(east_customer, "10.00", -(i % 300) - 1, cost_of_goods=D("1.00"))
            cost(east_customer, "1.00", -(i % 300) - 1, author=sales_user)

    make(3)
    client.get(url)
    params = {"period": "month"}
    three = count_queries(lambda: client.get(url))
    three_month = count_queries(lambda: client.get(url, params))  # its own window: not the header's T12M
    make(27)
    assert count_queries(lambda: client.get(url)) == three
    assert count_queries(lambda: client.get(url, params)) == three_month


def _costs_section(response):
    return next(ctx for section, ctx in response.context["sections"] if section.key == "costs")


def test_notebook_costs_section_figures(client_for, sales_user, east_customer):
    record_sale(east_customer, "200.00", -40, cost_of_goods=D("50.00"))
    record_sale(east_customer, "80.00", -2)
    cost(east_customer, "19.99", -2, author=sales_user)
    campaign([east_customer], "5.00", day(-2))
    client = client_for(sales_user)
    url = reverse("customers:detail", args=[east_customer.pk])
    section = _costs_section(client.get(url))
    assert section["period"] == "t12m"
    assert section["pnl"] == ProfitAndLoss(
        revenue=D("280.00"),
        cost_of_goods=D("50.00"),
        marketing_cost=D("5.00"),
        service_cost=D("19.99"),
        cost_unknown_revenue=D("80.00"),  # the −2 d sale has no cost of goods
    )
    assert section["can_add_cost"] is True
    assert [e.amount for e in section["entries"]] == [D("19.99")]
    window = {"period": "custom", "date_from": day(-3).isoformat(), "date_to": day(0).isoformat()}
    section = _costs_section(client.get(url, window))
    assert section["pnl"] == ProfitAndLoss(
        revenue=D("80.00"), marketing_cost=D("5.00"), service_cost=D("19.99"), cost_unknown_revenue=D("80.00")
    )
    assert section["pnl"].contribution_profit == D("55.01")  # 80 − 5 − 19.99


# --- cost unknown: revenue without a cost of goods ------------------------------------------------

COST_UNKNOWN_NOTE = (
    "%(amount)s of the revenue has no cost of goods: the gross margin counts it in full (as if it cost nothing)."
)


def cost_unknown_note(amount: str) -> str:
    return escape(gettext(COST_UNKNOWN_NOTE) % {"amount": amount})


def test_the_note_is_translated():
    assert cost_unknown_note("¥1.00") == "其中 ¥1.00 的收入没有销售成本：毛利按全额计入（视同成本为零）。"


def test_report_says_how_much_revenue_has_no_cost_of_goods(client_for, finance_user, portfolio):
    a, b, c = portfolio
    record_sale(c, "0.05", -1)  # C's only sale, without a cost of goods
    response = report(client_for(finance_user))
    rows = {row["pk"]: row for row in response.context["table"].data}
    assert [rows[x.pk]["cost_unknown_revenue"] for x in (a, b, c)] == [D("0.00"), D("333.33"), D("0.05")]
    assert response.context["totals"].cost_unknown_revenue == D("333.38")  # 333.33 + 0.05
    body = response.content.decode()
    assert escape(gettext("revenue without cost of goods")) in body  # the column
    assert cost_unknown_note("¥333.38") in body  # under the table, with the totals' figure


def test_report_without_cost_unknown_revenue_has_no_note(client_for, finance_user, portfolio):
    # A's window only: its sale has a cost of goods
    response = report(
        client_for(finance_user), period="custom", date_from=day(-10).isoformat(), date_to=day(-5).isoformat()
    )
    assert response.context["totals"].cost_unknown_revenue == D("0.00")
    assert "cost-unknown" not in response.content.decode()


def test_notebook_says_how_much_revenue_has_no_cost_of_goods(client_for, sales_user, east_customer):
    record_sale(east_customer, "200.00", -40, cost_of_goods=D("50.00"))
    record_sale(east_customer, "80.00", -2)
    record_sale(east_customer, "170.00", -1)
    url = reverse("customers:detail", args=[east_customer.pk])
    response = client_for(sales_user).get(url)
    section = _costs_section(response)
    assert section["pnl"].cost_unknown_revenue == D("250.00")  # 80 + 170
    assert section["pnl"].gross_margin == D("400.00")  # 450 − 50: the 250 counted in full
    assert response.context["figures"]["t12m_cost_unknown_revenue"] == D("250.00")
    # in the costs section under the gross margin, and under the key figure's contribution profit
    assert response.content.decode().count(cost_unknown_note("¥250.00")) == 2
    # a window with only the costed sale: no note in the section; the key figures stay T12M
    window = {"period": "custom", "date_from": day(-41).isoformat(), "date_to": day(-39).isoformat()}
    response = client_for(sales_user).get(url, window)
    assert _costs_section(response)["pnl"].cost_unknown_revenue == D("0.00")
    assert response.content.decode().count(cost_unknown_note("¥250.00")) == 1


def test_a_customer_without_cost_unknown_revenue_has_no_note(client_for, sales_user, east_customer):
    record_sale(east_customer, "200.00", -40, cost_of_goods=D("0.00"))  # known to cost nothing
    response = client_for(sales_user).get(reverse("customers:detail", args=[east_customer.pk]))
    assert _costs_section(response)["pnl"].cost_unknown_revenue == D("0.00")
    assert "cost-unknown" not in response.content.decode()


def test_a_sale_without_cost_of_goods_says_cost_unknown(client_for, finance_user, east_customer):
    unknown = record_sale(east_customer, "80.00", -2)
    free = record_sale(east_customer, "20.00", -1, cost_of_goods=D("0.00"))
    client = client_for(finance_user)
    page = client.get(reverse("transactions:sale-detail", args=[unknown.pk])).content.decode()
    assert gettext("cost unknown") == "成本未知"
    assert "成本未知" in page
    page = client.get(reverse("transactions:sale-detail", args=[free.pk])).content.decode()
    assert "成本未知" not in page and "¥0.00" in page
    # the sale list: the page's cell says so; the export keeps an empty money cell
    table = SaleTable(sale_list(user=finance_user, as_of=day(0)), order_by="occurred_at")
    assert [row.get_cell("cost_of_goods") for row in table.rows] == ["成本未知", "¥0.00"]
    assert [row.get_cell_value("cost_of_goods") for row in table.rows] == [None, D("0.00")]
