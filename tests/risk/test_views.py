"""Risk pages: who may decide proposals, edit the industry outlook and the settings; acknowledging
alerts; alert scope and the navigation badge; the sale form's warning and block; the debtors export;
constant query counts."""

from decimal import Decimal as D
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from risk import services
from risk.choices import AlertKind, Level, ProposalStatus
from risk.models import CreditPolicy, CreditProposal, IndustryChange, RiskAlert, RiskSettings
from tests.risk.factories import (
    CustomerFactory,
    IndustryFactory,
    RiskAlertFactory,
    day,
    record_sale,
    score,
)
from transactions.models import Sale

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def badge(response, url_name="risk:alerts"):
    for _group, entries, _total in response.context["nav_menu"]:
        for item, count in entries:
            if item.url_name == url_name:
                return count
    raise AssertionError(f"{url_name} is not in the menu")


# --- proposals: Finance decides --------------------------------------------------------------------


@pytest.fixture
def proposal(east_customer):
    """East Co owes 500 sold 400 days ago (over 90 days): high, so a stop-credit proposal."""
    record_sale(east_customer, "500.00", -400)
    score()
    return CreditProposal.objects.get(customer=east_customer, status=ProposalStatus.PENDING)


def decide(client, proposal, decision, **data):
    return client.post(
        reverse("risk:proposal-decide", args=[proposal.pk]),
        {"decision": decision, **data},
    )


def test_finance_approves_a_proposal(client_for, finance_user, proposal, east_customer):
    response = decide(
        client_for(finance_user),
        proposal,
        "approve",
        credit_limit="0.00",
        payment_terms_days="30",
        require_prepayment="on",
        require_guarantee="on",
        note="停止赊销",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[east_customer.pk]) + "#risk"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.decision_note) == (
        ProposalStatus.APPROVED,
        finance_user,
        "停止赊销",
    )
    east_customer.refresh_from_db()
    assert (east_customer.credit_limit, east_customer.payment_terms_days) == (D("0.00"), 30)
    policy = CreditPolicy.objects.get(customer=east_customer)
    assert policy.require_prepayment and policy.require_guarantee


def test_finance_approves_with_adjusted_values(client_for, finance_user, proposal, east_customer):
    decide(
        client_for(finance_user),
        proposal,
        "approve",
        credit_limit="2000.00",
        payment_terms_days="7",
        require_guarantee="on",
    )
    east_customer.refresh_from_db()
    assert (east_customer.credit_limit, east_customer.payment_terms_days) == (D("2000.00"), 7)
    policy = CreditPolicy.objects.get(customer=east_customer)
    assert (policy.require_prepayment, policy.require_guarantee) == (False, True)


def test_finance_rejects_a_proposal(client_for, finance_user, proposal, east_customer):
    response = decide(client_for(finance_user), proposal, "reject", note="担保已到位")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    east_customer.refresh_from_db()
    assert (east_customer.credit_limit, east_customer.payment_terms_days) == (D("100000.00"), 30)
    assert not CreditPolicy.objects.exists()


def test_deciding_twice_shows_a_message(client_for, finance_user, proposal, east_customer):
    client = client_for(finance_user)
    decide(client, proposal, "reject")
    response = client.post(
        reverse("risk:proposal-decide", args=[proposal.pk]),
        {"decision": "approve", "credit_limit": "0.00", "payment_terms_days": "30"},
        follow=True,
    )
    assert gettext("This proposal has already been decided.") in messages_of(response)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    east_customer.refresh_from_db()
    assert east_customer.credit_limit == D("100000.00")


@pytest.mark.parametrize("role_fixture", ["sales_user", "manager_user"])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_only_finance_decides_proposals(request, client_for, proposal, east_customer, role_fixture, decision):
    user = request.getfixturevalue(role_fixture)
    response = decide(client_for(user), proposal, decision, credit_limit="0.00", payment_terms_days="30")
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    east_customer.refresh_from_db()
    assert east_customer.credit_limit == D("100000.00")


def test_notebook_shows_the_decision_form_to_finance_only(client_for, finance_user, sales_user, proposal):
    url = reverse("customers:detail", args=[proposal.customer_id])
    action = reverse("risk:proposal-decide", args=[proposal.pk])
    assert action in client_for(finance_user).get(url).content.decode()
    page = client_for(sales_user).get(url).content.decode()
    assert action not in page
    assert gettext("Waiting for Finance to decide.") in page


# --- industry outlook: Manager and Admin -----------------------------------------------------------


@pytest.fixture
def industry(db):
    return IndustryFactory(name="测试行业", outlook="stable", competition="medium")


@pytest.mark.parametrize("role_fixture", ["manager_user", "admin_user_role"])
def test_manager_and_admin_edit_the_outlook(request, client_for, industry, role_fixture):
    user = request.getfixturevalue(role_fixture)
    client = client_for(user)
    url = reverse("risk:industry-outlook", args=[industry.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"outlook": "declining", "competition": "high", "reason": "补贴取消"})
    assert response.status_code == 302
    assert response["Location"] == reverse("risk:industries")
    industry.refresh_from_db()
    assert (industry.outlook, industry.competition) == ("declining", "high")
    change = IndustryChange.objects.get()
    assert (change.changed_by, change.reason, change.old_outlook) == (user, "补贴取消", "stable")
    page = client.get(reverse("risk:industries")).content.decode()
    assert "补贴取消" in page
    assert url in page


@pytest.mark.parametrize("role_fixture", ["sales_user", "finance_user"])
def test_sales_and_finance_cannot_edit_the_outlook(request, client_for, industry, role_fixture):
    client = client_for(request.getfixturevalue(role_fixture))
    url = reverse("risk:industry-outlook", args=[industry.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"outlook": "declining", "competition": "high", "reason": "补贴取消"})
    assert response.status_code == 403
    industry.refresh_from_db()
    assert (industry.outlook, industry.competition) == ("stable", "medium")
    assert not IndustryChange.objects.exists()
    # the list is readable, without the edit link
    page = client.get(reverse("risk:industries"))
    assert page.status_code == 200
    assert url not in page.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outlook": "declining", "competition": "medium", "reason": "   "}, None),
        ({"outlook": "stable", "competition": "medium", "reason": "复核"}, "Nothing changed."),
    ],
)
def test_outlook_edit_refuses_no_reason_or_no_change(client_for, manager_user, industry, data, message):
    response = client_for(manager_user).post(reverse("risk:industry-outlook", args=[industry.pk]), data)
    assert response.status_code == 200
    assert not response.context["form"].is_valid()
    if message:
        assert gettext(message) in response.context["form"].non_field_errors()
    industry.refresh_from_db()
    assert (industry.outlook, industry.competition) == ("stable", "medium")
    assert not IndustryChange.objects.exists()


# --- risk settings: Finance ------------------------------------------------------------------------


@pytest.mark.parametrize("role_fixture", ["finance_user", "admin_user_role"])
def test_finance_changes_the_risk_settings(request, client_for, role_fixture):
    client = client_for(request.getfixturevalue(role_fixture))
    url = reverse("risk:settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"block_risky_sales": "on"})
    assert response.status_code == 302
    assert RiskSettings.load().block_risky_sales
    client.post(url, {})
    assert not RiskSettings.load().block_risky_sales


@pytest.mark.parametrize("role_fixture", ["sales_user", "manager_user"])
def test_others_cannot_change_the_risk_settings(request, client_for, role_fixture):
    client = client_for(request.getfixturevalue(role_fixture))
    url = reverse("risk:settings")
    assert client.get(url).status_code == 403
    assert client.post(url, {"block_risky_sales": "on"}).status_code == 403
    assert not RiskSettings.load().block_risky_sales


# --- alerts: acknowledging, scope, the badge -------------------------------------------------------


@pytest.fixture
def alerts(east_customer, south_customer, manager_user):
    """East: two open alerts, one open acknowledged, one resolved. South: one open."""
    return {
        "east_overdue": RiskAlertFactory(customer=east_customer, kind=AlertKind.OVERDUE),
        "east_churn": RiskAlertFactory(
            customer=east_customer, kind=AlertKind.CHURN, level=Level.MEDIUM, details={"code": ""}
        ),
        "east_acked": RiskAlertFactory(
            customer=east_customer,
            kind=AlertKind.OVER_LIMIT,
            details={"open": "1500.00", "limit": "1000.00"},
            acknowledged_by=manager_user,
            acknowledged_at=timezone.now(),
            acknowledgement="已联系",
        ),
        "east_resolved": RiskAlertFactory(customer=east_customer, kind=AlertKind.OVERDUE, resolved_at=timezone.now()),
        "south_overdue": RiskAlertFactory(customer=south_customer, kind=AlertKind.OVERDUE),
    }


def test_acknowledging_from_the_alerts_list(client_for, sales_user, alerts):
    alert = alerts["east_overdue"]
    response = client_for(sales_user).post(
        reverse("risk:alert-ack", args=[alert.pk]), {"note": "下周上门催收", "next": reverse("risk:alerts")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("risk:alerts")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [gettext("Alert acknowledged.")]
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledgement) == (sales_user, "下周上门催收")
    assert alert.acknowledged_at is not None
    assert alert.resolved_at is None  # acknowledged, still open until its cause is gone


def test_alerts_list_offers_acknowledging_open_unacknowledged_alerts(client_for, sales_user, alerts):
    page = client_for(sales_user).get(reverse("risk:alerts")).content.decode()
    assert reverse("risk:alert-ack", args=[alerts["east_overdue"].pk]) in page
    assert reverse("risk:alert-ack", args=[alerts["east_churn"].pk]) in page
    assert reverse("risk:alert-ack", args=[alerts["east_acked"].pk]) not in page  # already acknowledged


@pytest.mark.parametrize("note", ["", "   "])
def test_acknowledging_with_an_empty_note_changes_nothing(client_for, sales_user, alerts, note):
    alert = alerts["east_overdue"]
    response = client_for(sales_user).post(
        reverse("risk:alert-ack", args=[alert.pk]), {"note": note, "next": reverse("risk:alerts")}
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [gettext("Say what is being done about it.")]
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert alert.acknowledged_by is None
    assert alert.acknowledgement == ""


def test_acknowledging_from_the_notebook(client_for, sales_user, alerts, east_customer):
    client = client_for(sales_user)
    notebook = reverse("customers:detail", args=[east_customer.pk])
    alert = alerts["east_churn"]
    ack = reverse("risk:alert-ack", args=[alert.pk])
    page = client.get(notebook).content.decode()
    assert ack in page
    assert reverse("risk:alert-ack", args=[alerts["east_resolved"].pk]) not in page  # resolved: not shown
    assert "已联系" in page  # the acknowledged one shows its note
    response = client.post(ack, {"note": "安排回访", "next": notebook + "#risk"})
    assert response.status_code == 302
    assert response["Location"] == notebook + "#risk"
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledgement) == (sales_user, "安排回访")
    page = client.get(notebook).content.decode()
    assert ack not in page
    assert "安排回访" in page

    response = client.post(
        reverse("risk:alert-ack", args=[alerts["east_overdue"].pk]), {"note": "", "next": notebook}, follow=True
    )
    assert gettext("Say what is being done about it.") in messages_of(response)
    assert not RiskAlert.objects.get(pk=alerts["east_overdue"].pk).acknowledged_at


def test_acknowledging_never_redirects_off_site(client_for, sales_user, alerts):
    response = client_for(sales_user).post(
        reverse("risk:alert-ack", args=[alerts["east_overdue"].pk]),
        {"note": "已处理", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


def test_sales_sees_only_their_teams_alerts(client_for, sales_user, other_sales_user, alerts):
    response = client_for(sales_user).get(reverse("risk:alerts"))  # open ones by default
    shown = {row.record.pk for row in response.context["table"].rows}
    assert shown == {alerts[k].pk for k in ("east_overdue", "east_churn", "east_acked")}
    response = client_for(sales_user).get(reverse("risk:alerts"), {"state": "all"})
    shown = {row.record.pk for row in response.context["table"].rows}
    assert shown == {a.pk for key, a in alerts.items() if key.startswith("east")}
    response = client_for(other_sales_user).get(reverse("risk:alerts"))
    assert {row.record.pk for row in response.context["table"].rows} == {alerts["south_overdue"].pk}


def test_sales_cannot_acknowledge_another_teams_alert(client_for, sales_user, alerts):
    alert = alerts["south_overdue"]
    response = client_for(sales_user).post(reverse("risk:alert-ack", args=[alert.pk]), {"note": "我来处理"})
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_nav_badge_counts_open_unacknowledged_alerts_in_scope(
    client_for, sales_user, other_sales_user, finance_user, alerts
):
    home = reverse("risk:dashboard")
    assert badge(client_for(sales_user).get(home)) == 2  # east overdue + churn
    assert badge(client_for(other_sales_user).get(home)) == 1
    assert badge(client_for(finance_user).get(home)) == 3
    services.alert_acknowledge(alert=alerts["east_overdue"], user=sales_user, note="已处理")
    assert badge(client_for(sales_user).get(home)) == 1
    assert badge(client_for(finance_user).get(home)) == 2


# --- the sale form: warn, confirm, block ----------------------------------------------------------


def sale_data(amount, **extra):
    return {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "product": "设备",
        "amount": amount,
        **extra,
    }


@pytest.fixture
def limited_customer(east_customer):
    east_customer.credit_limit = D("1000.00")
    east_customer.save()
    record_sale(east_customer, "600.00", -5)
    return east_customer


def test_sale_over_the_limit_warns_then_records_when_confirmed(client_for, sales_user, limited_customer):
    client = client_for(sales_user)
    url = reverse("transactions:sale-create", args=[limited_customer.pk])
    response = client.post(url, sale_data("500.00"))  # 600 + 500 = 1 100 > 1 000
    assert response.status_code == 200
    warnings = response.context["warnings"]
    assert len(warnings) == 1
    assert limited_customer.name in warnings[0]
    assert 'name="confirm_risk"' in response.content.decode()
    assert Sale.objects.filter(customer=limited_customer).count() == 1

    response = client.post(url, sale_data("500.00", confirm_risk="on"))
    assert response.status_code == 302
    assert Sale.objects.filter(customer=limited_customer).count() == 2
    assert Sale.objects.filter(customer=limited_customer, amount=D("500.00")).exists()


def test_sale_within_the_limit_records_without_warning(client_for, sales_user, limited_customer):
    response = client_for(sales_user).post(
        reverse("transactions:sale-create", args=[limited_customer.pk]), sale_data("400.00")
    )
    assert response.status_code == 302  # 600 + 400 = 1 000: at the limit, not over
    assert Sale.objects.filter(customer=limited_customer).count() == 2


def test_sale_for_a_high_risk_customer_warns(client_for, sales_user, east_customer):
    record_sale(east_customer, "100.00", -400)  # over 90 days
    score()
    url = reverse("transactions:sale-create", args=[east_customer.pk])
    response = client_for(sales_user).post(url, sale_data("10.00"))
    assert response.status_code == 200
    assert len(response.context["warnings"]) == 1
    assert Sale.objects.filter(customer=east_customer).count() == 1


def test_sale_over_the_limit_is_refused_with_the_block_on(client_for, sales_user, limited_customer):
    services.risk_settings_update(block_risky_sales=True)
    url = reverse("transactions:sale-create", args=[limited_customer.pk])
    response = client_for(sales_user).post(url, sale_data("500.00", confirm_risk="on"))
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert limited_customer.name in errors[0]
    assert errors[0] in response.content.decode()
    assert Sale.objects.filter(customer=limited_customer).count() == 1


# --- the dashboard and its export ------------------------------------------------------------------


def test_debtors_export_is_an_xlsx_with_numbers(client_for, finance_user, team_east):
    a = CustomerFactory(name="A 欠款", team=team_east, credit_limit=D("5000.00"))
    b = CustomerFactory(name="B 欠款", team=team_east, credit_limit=D("5000.00"))
    c = CustomerFactory(name="C 未逾期", team=team_east, credit_limit=D("5000.00"))
    record_sale(a, "500.00", -400)  # over 90
    record_sale(a, "120.00", -400, due_date=day(-40))  # 31–60
    record_sale(b, "200.00", -400, due_date=day(-70))  # 61–90
    record_sale(c, "300.00", -10)  # not due: no debtor
    score()
    response = client_for(finance_user).get(reverse("risk:dashboard"), {"export": "debtors"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    assert "overdue-debtors" in response["Content-Disposition"]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))
    body = [row for row in rows[2:] if any(v is not None for v in row)]  # under the title and header rows
    assert [row[0] for row in body] == [a.name, b.name]  # most over 90 days first; C not overdue
    # open, 31–60, 61–90, over 90, limit: numbers, not text
    assert all(isinstance(v, int | float) for row in body for v in row[1:6])
    assert [D(str(v)) for v in body[0][1:6]] == [D("620"), D("120"), D("0"), D("500"), D("5000")]
    assert [D(str(v)) for v in body[1][1:6]] == [D("200"), D("0"), D("200"), D("0"), D("5000")]


def test_dashboard_shows_scoped_debtors_and_pending_proposals(client_for, sales_user, east_customer, south_customer):
    record_sale(east_customer, "500.00", -400)
    record_sale(south_customer, "700.00", -400)
    score()
    response = client_for(sales_user).get(reverse("risk:dashboard"))
    assert response.status_code == 200
    assert [row.record.customer for row in response.context["debtor_table"].rows] == [east_customer]
    assert [p.customer for p in response.context["proposals"]] == [east_customer]


@pytest.mark.parametrize("url_name", ["risk:dashboard", "risk:alerts"])
def test_risk_pages_render_levels_in_chinese(client_for, finance_user, east_customer, url_name):
    record_sale(east_customer, "500.00", -400)  # an overdue debtor at high risk, an overdue alert
    score()
    response = client_for(finance_user).get(reverse(url_name))
    assert response.status_code == 200
    assert "高" in response.content.decode()


@pytest.mark.parametrize("url_name", ["risk:dashboard", "risk:alerts", "risk:industries"])
def test_risk_pages_render_without_rows(client_for, finance_user, url_name):
    assert client_for(finance_user).get(reverse(url_name)).status_code == 200


# --- constant query counts -------------------------------------------------------------------------


def grow(n, team, owner):
    """n customers each owing 500 for over 90 days: an assessment, an overdue alert and a proposal."""
    for _ in range(n):
        customer = CustomerFactory(team=team, owner=owner)
        record_sale(customer, "500.00", -400)
    score()


@pytest.mark.parametrize("role_fixture", ["finance_user", "sales_user"])
def test_dashboard_and_alerts_keep_a_constant_query_count(
    request, client_for, team_east, sales_user, count_queries, role_fixture
):
    client = client_for(request.getfixturevalue(role_fixture))
    IndustryFactory(name="测试行业", outlook="declining")
    urls = [reverse("risk:dashboard"), reverse("risk:alerts"), reverse("risk:industries")]
    grow(3, team_east, sales_user)
    assert RiskAlert.objects.filter(kind=AlertKind.OVERDUE).count() == 3
    for url in urls:
        client.get(url)
    few = [count_queries(lambda u=url: client.get(u)) for url in urls]
    grow(27, team_east, sales_user)
    assert RiskAlert.objects.filter(kind=AlertKind.OVERDUE).count() == 30
    assert CreditProposal.objects.filter(status=ProposalStatus.PENDING).count() == 30
    assert [count_queries(lambda u=url: client.get(u)) for url in urls] == few


@pytest.mark.parametrize("role_fixture", ["finance_user", "sales_user"])
def test_notebook_risk_section_keeps_a_constant_query_count(
    request, client_for, east_customer, manager_user, finance_user, count_queries, role_fixture
):
    client = client_for(request.getfixturevalue(role_fixture))
    url = reverse("customers:detail", args=[east_customer.pk])
    record_sale(east_customer, "500.00", -400)
    score()  # an assessment, an overdue alert and a proposal (no T12M revenue: no concentration)
    for _ in range(3):
        RiskAlertFactory(customer=east_customer, kind=AlertKind.CHURN, resolved_at=timezone.now())
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for kind, who in ((AlertKind.OVER_LIMIT, manager_user), (AlertKind.MARKET, finance_user), (AlertKind.CHURN, None)):
        RiskAlertFactory(
            customer=east_customer,
            kind=kind,
            details={"code": ""} if kind == AlertKind.CHURN else {"open": "1.00", "limit": "0.00"},
            acknowledged_by=who,
            acknowledged_at=timezone.now() if who else None,
            acknowledgement="处理中" if who else "",
        )
    for _ in range(30):
        RiskAlertFactory(customer=east_customer, kind=AlertKind.OVERDUE, resolved_at=timezone.now())
    CreditPolicy.objects.create(customer=east_customer, require_prepayment=True)
    assert RiskAlert.objects.filter(customer=east_customer, resolved_at__isnull=True).count() == 4
    assert count_queries(lambda: client.get(url)) == few
