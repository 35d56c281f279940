"""Risk scoring on hand-built ledgers (the valuation run's risk step), alerts, proposals, industry
outlook and the sale check. Every figure below is worked out by hand from the ledger built."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from custnotes.registry import sale_problems
from risk import services
from risk.choices import AlertKind, Level, ProposalStatus
from risk.models import CreditAssessment, CreditPolicy, CreditProposal, IndustryChange, IndustryRisk, RiskAlert
from risk.texts import alert_text
from tests.risk.factories import CustomerFactory, IndustryFactory, day, record_payment, record_sale, score

pytestmark = pytest.mark.django_db


def assessment(customer):
    return CreditAssessment.objects.get(customer=customer, as_of=day(0))


def reasons(a):
    """The stored reasons as (code, {name: Decimal}) for comparing with hand-computed figures."""
    return [(code, {k: D(v) for k, v in values.items()}) for code, values in a.reasons]


def open_alerts(**filters):
    return {(a.customer_id, a.kind): a for a in RiskAlert.objects.filter(resolved_at__isnull=True, **filters)}


# --- hand-built ledgers, one per rule ------------------------------------------------------------


def over_90(customer):
    # sold 400 days ago (outside T12M, so no late share), due 370 days ago, unpaid: 500 over 90 days
    record_sale(customer, "500.00", -400)
    return Level.HIGH, [("over_90", {"amount": D("500.00")})], "stop_credit"


def over_limit(customer):
    # limit 1 000; 1 500 sold today, due in 30 days: over the limit, not late
    customer.credit_limit = D("1000.00")
    customer.save()
    record_sale(customer, "1500.00", 0)
    return Level.HIGH, [("over_limit", {"open": D("1500.00"), "limit": D("1000.00")})], "stop_credit"


def _invoices(customer, late, on_time):
    """`late` invoices paid 10 days after their due date and `on_time` ones paid on it, all settled."""
    sales = []
    for i in range(late + on_time):
        sales.append(record_sale(customer, "100.00", -200 + 10 * i))  # due 30 days later
    for i, sale in enumerate(sales):
        delay = 10 if i < late else 0
        paid = (sale.due_date - day(0)).days + delay
        record_payment(customer, "100.00", paid, allocations={sale.pk: D("100.00")})


def late_two_of_three(customer):
    _invoices(customer, late=2, on_time=1)  # 2 / 3 = 0.6667 > 50 %
    return Level.HIGH, [("late_share", {"share": D("0.6667")})], "stop_credit"


def late_two_of_four(customer):
    _invoices(customer, late=2, on_time=2)  # exactly 50 %: medium, not high
    return Level.MEDIUM, [("late_share", {"share": D("0.5")})], "shorten_terms"


def late_one_of_two(customer):
    _invoices(customer, late=1, on_time=1)  # two invoices are too few to say how the customer pays
    return Level.LOW, [], "standard_terms"


def late_one_of_three(customer):
    _invoices(customer, late=1, on_time=2)  # 1 / 3 = 0.3333 > 25 %
    return Level.MEDIUM, [("late_share", {"share": D("0.3333")})], "shorten_terms"


def late_one_of_four(customer):
    _invoices(customer, late=1, on_time=3)  # exactly 25 %: low
    return Level.LOW, [], "standard_terms"


def overdue_45_days(customer):
    # sold 400 days ago with a due date 45 days ago, unpaid: 300 in the 31–60 bucket
    record_sale(customer, "300.00", -400, due_date=day(-45))
    return Level.MEDIUM, [("overdue_31_90", {"amount": D("300.00")})], "shorten_terms"


def overdue_75_days(customer):
    record_sale(customer, "250.00", -400, due_date=day(-75))  # 61–90 bucket
    return Level.MEDIUM, [("overdue_31_90", {"amount": D("250.00")})], "shorten_terms"


def utilisation_85(customer):
    customer.credit_limit = D("1000.00")
    customer.save()
    record_sale(customer, "850.00", 0)  # 850 / 1 000 = 85 % used
    return Level.MEDIUM, [("utilisation", {"share": D("0.85")})], "shorten_terms"


def utilisation_80(customer):
    customer.credit_limit = D("1000.00")
    customer.save()
    record_sale(customer, "800.00", 0)  # exactly 80 %: low
    return Level.LOW, [], "standard_terms"


def limit_zero(customer):
    customer.credit_limit = D("0.00")
    customer.save()
    record_sale(customer, "10.00", 0)  # any open money is over a limit of 0
    return Level.HIGH, [("over_limit", {"open": D("10.00"), "limit": D("0.00")})], "stop_credit"


def overdue_20_days(customer):
    record_sale(customer, "700.00", -400, due_date=day(-20))  # 1–30 days past due only
    return Level.LOW, [], "standard_terms"


def paid_up(customer):
    record_sale(customer, "100.00", -10)
    record_payment(customer, "100.00", -5)
    return Level.LOW, [], "standard_terms"


LEDGERS = [
    over_90,
    over_limit,
    late_two_of_three,
    late_two_of_four,
    late_one_of_two,
    late_one_of_three,
    late_one_of_four,
    overdue_45_days,
    overdue_75_days,
    utilisation_85,
    utilisation_80,
    limit_zero,
    overdue_20_days,
    paid_up,
]


@pytest.mark.parametrize("ledger", LEDGERS, ids=[f.__name__ for f in LEDGERS])
def test_each_rule_reaches_its_level(ledger):
    customer = CustomerFactory(credit_limit=D("100000.00"), payment_terms_days=30)
    level, expected_reasons, action = ledger(customer)
    score()
    a = assessment(customer)
    assert a.level == level
    assert reasons(a) == expected_reasons
    assert a.action == action


def test_assessment_stores_the_aging_utilisation_and_late_share():
    customer = CustomerFactory(credit_limit=D("2000.00"), payment_terms_days=30)
    record_sale(customer, "100.00", -400, due_date=day(-100))  # over 90
    record_sale(customer, "200.00", -400, due_date=day(-70))  # 61–90
    record_sale(customer, "300.00", -400, due_date=day(-40))  # 31–60
    record_sale(customer, "400.00", -400, due_date=day(-10))  # 1–30
    record_sale(customer, "500.00", -5)  # due in 25 days
    score()
    a = assessment(customer)
    assert (a.not_due, a.d1_30, a.d31_60, a.d61_90, a.over_90) == (
        D("500.00"),
        D("400.00"),
        D("300.00"),
        D("200.00"),
        D("100.00"),
    )
    assert a.open_total == D("1500.00")
    assert a.utilisation == D("0.7500")  # 1 500 / 2 000
    assert a.late_share is None  # one T12M invoice (not due yet): too few to say
    assert a.level == Level.HIGH
    assert reasons(a) == [("over_90", {"amount": D("100.00")}), ("overdue_31_90", {"amount": D("500.00")})]
    assert a.worst_level == Level.HIGH


def test_market_level_and_industry_risk_rows():
    declining = IndustryFactory(name="测试衰退", outlook="declining", competition="low")
    calm = IndustryFactory(name="测试平稳", outlook="stable", competition="low")
    a = CustomerFactory(industry=declining)
    b = CustomerFactory(industry=declining)
    c = CustomerFactory(industry=calm)
    d = CustomerFactory()
    record_sale(a, "300.00", -10)
    record_sale(b, "100.00", -10)
    record_sale(c, "600.00", -10)
    score()
    assert assessment(a).market_level == Level.HIGH
    assert assessment(c).market_level == Level.LOW
    assert assessment(d).market_level == Level.LOW  # no industry, but no business either: no exposure
    e = CustomerFactory()
    record_sale(e, "50.00", -10)
    score()
    # no industry: nothing is known of its market, and no level is invented (the card says so)
    assert (assessment(e).market_level, assessment(e).market_reason) == (Level.LOW, {})
    assert assessment(a).market_reason == {
        "industry": "测试衰退",
        "outlook": "declining",
        "competition": "low",
        "open": "300.00",
        "revenue": "300.00",
    }
    rows = {r.industry_id: r for r in IndustryRisk.objects.filter(as_of=day(0))}
    assert (rows[declining.pk].level, rows[declining.pk].customers, rows[declining.pk].t12m_revenue) == (
        Level.HIGH,
        2,
        D("400.00"),
    )
    assert (rows[calm.pk].level, rows[calm.pk].customers, rows[calm.pk].t12m_revenue) == (
        Level.LOW,
        1,
        D("600.00"),
    )
    # open receivables in a high-risk industry raise a market alert; the calm industry's do not
    alerts = open_alerts(kind=AlertKind.MARKET)
    assert set(alerts) == {(a.pk, AlertKind.MARKET), (b.pk, AlertKind.MARKET)}


# --- alerts --------------------------------------------------------------------------------------


@pytest.fixture
def alert_ledger(sales_user, finance_user):
    """A: 500 over 90 days (sold 400 days ago: no T12M revenue). B: 1 500 open against a limit of
    1 000, all of the portfolio's T12M revenue (100 % > 20 %)."""
    a = CustomerFactory(name="A", owner=sales_user)
    b = CustomerFactory(name="B", owner=finance_user, credit_limit=D("1000.00"))
    record_sale(a, "500.00", -400)
    record_sale(b, "1500.00", 0)
    return a, b


def test_scoring_opens_the_alerts_the_ledger_calls_for(alert_ledger, sales_user, finance_user):
    a, b = alert_ledger
    score()
    alerts = open_alerts()
    assert set(alerts) == {
        (a.pk, AlertKind.OVERDUE),
        (b.pk, AlertKind.OVER_LIMIT),
        (b.pk, AlertKind.CONCENTRATION),
    }
    overdue = alerts[(a.pk, AlertKind.OVERDUE)]
    assert (overdue.level, overdue.details) == (
        Level.HIGH,
        {"days": 90, "amount": "500.00", "over_90": "500.00", "d61_90": "0.00", "d31_60": "0.00"},
    )
    assert overdue.assigned_to == sales_user
    assert overdue.opened_as_of == overdue.last_seen_as_of == day(0)
    over = alerts[(b.pk, AlertKind.OVER_LIMIT)]
    assert over.level == Level.HIGH
    assert {k: D(v) for k, v in over.details.items()} == {"open": D("1500.00"), "limit": D("1000.00")}
    assert over.assigned_to == finance_user
    concentration = alerts[(b.pk, AlertKind.CONCENTRATION)]
    assert concentration.level == Level.MEDIUM
    assert D(concentration.details["share"]) == D("1")
    assert assessment(a).concentration_share == D("0")
    assert assessment(b).concentration_share == D("1")


def test_rescoring_keeps_one_alert_per_cause_resolves_and_keeps_acknowledgements(alert_ledger, manager_user):
    a, b = alert_ledger
    score()
    first = {key: alert.pk for key, alert in open_alerts().items()}
    score()
    assert RiskAlert.objects.count() == 3
    assert {key: alert.pk for key, alert in open_alerts().items()} == first

    overdue = RiskAlert.objects.get(customer=a, kind=AlertKind.OVERDUE)
    services.alert_acknowledge(alert=overdue, user=manager_user, note="  已电话催款  ")
    over = RiskAlert.objects.get(customer=b, kind=AlertKind.OVER_LIMIT)
    services.alert_acknowledge(alert=over, user=manager_user, note="客户承诺下周付款")

    record_payment(a, "500.00", 0)  # the overdue invoice is paid: its cause is gone
    score()
    overdue.refresh_from_db()
    assert overdue.resolved_at is not None
    assert overdue.acknowledged_by == manager_user
    assert overdue.acknowledgement == "已电话催款"
    assert overdue.acknowledged_at is not None
    over.refresh_from_db()
    assert over.resolved_at is None
    assert over.acknowledgement == "客户承诺下周付款"
    assert {key: alert.pk for key, alert in open_alerts().items()} == {
        key: pk for key, pk in first.items() if key != (a.pk, AlertKind.OVERDUE)
    }
    assert RiskAlert.objects.count() == 3

    # a resolved alert stays resolved; the same cause again opens a new alert
    score()
    assert RiskAlert.objects.count() == 3
    record_sale(a, "80.00", -400)
    score()
    assert RiskAlert.objects.count() == 4
    again = RiskAlert.objects.get(customer=a, kind=AlertKind.OVERDUE, resolved_at__isnull=True)
    assert again.pk != overdue.pk
    assert again.acknowledged_at is None
    assert again.details == {"days": 90, "amount": "80.00", "over_90": "80.00", "d61_90": "0.00", "d31_60": "0.00"}


def test_acknowledging_needs_a_note(alert_ledger, manager_user):
    score()
    alert = RiskAlert.objects.get(kind=AlertKind.OVERDUE)
    with pytest.raises(ValidationError):
        services.alert_acknowledge(alert=alert, user=manager_user, note="   ")
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_overdue_alert_level_follows_the_oldest_money():
    c60 = CustomerFactory()
    c30 = CustomerFactory()
    record_sale(c60, "200.00", -400, due_date=day(-65))
    record_sale(c60, "100.00", -400, due_date=day(-35))
    record_sale(c30, "100.00", -400, due_date=day(-35))
    score()
    alerts = open_alerts(kind=AlertKind.OVERDUE)
    assert (alerts[(c60.pk, AlertKind.OVERDUE)].level, alerts[(c60.pk, AlertKind.OVERDUE)].details) == (
        Level.MEDIUM,
        {"days": 60, "amount": "300.00", "over_90": "0.00", "d61_90": "200.00", "d31_60": "100.00"},
    )
    assert alerts[(c30.pk, AlertKind.OVERDUE)].details == {
        "days": 30,
        "amount": "100.00",
        "over_90": "0.00",
        "d61_90": "0.00",
        "d31_60": "100.00",
    }
    with translation.override("en"):
        # each bucket with its own amount, as the aging report shows them
        assert alert_text(alerts[(c60.pk, AlertKind.OVERDUE)]) == (
            "¥200.00 61–90 days past due; ¥100.00 31–60 days past due"
        )


def test_concentration_alert_only_above_twenty_percent():
    # T12M revenue 200, 200, 200, 200, 200: everyone exactly 20 %, no alert
    customers = [CustomerFactory() for _ in range(5)]
    for customer in customers:
        record_sale(customer, "200.00", -10)
        record_payment(customer, "200.00", -10)
    score()
    assert not RiskAlert.objects.filter(kind=AlertKind.CONCENTRATION).exists()
    assert {assessment(c).concentration_share for c in customers} == {D("0.2000")}
    # one more sale of 50: 250 / 1 050 = 23.8 % for the first, 200 / 1 050 = 19.0 % for the rest
    record_sale(customers[0], "50.00", -1)
    record_payment(customers[0], "50.00", -1)
    score()
    assert set(open_alerts(kind=AlertKind.CONCENTRATION)) == {(customers[0].pk, AlertKind.CONCENTRATION)}
    assert assessment(customers[0]).concentration_share == D("0.2381")
    assert assessment(customers[1]).concentration_share == D("0.1905")


def test_churn_alert_by_the_median_gap():
    # four customers (too few for the purchase model): gaps 10, 20, 30 → median 20
    silent_41 = CustomerFactory()
    silent_40 = CustomerFactory()
    for days_ago in (101, 91, 71, 41):
        record_sale(silent_41, "100.00", -days_ago)
        record_payment(silent_41, "100.00", -days_ago)
    for days_ago in (100, 90, 70, 40):
        record_sale(silent_40, "100.00", -days_ago)
        record_payment(silent_40, "100.00", -days_ago)
    once = CustomerFactory()
    record_sale(once, "100.00", -300)
    record_payment(once, "100.00", -300)
    never = CustomerFactory()
    score()
    a = assessment(silent_41)
    assert a.churn_risk
    assert a.churn_reason == {"code": "gap", "days": "41", "median_gap": "20"}
    assert a.worst_level == Level.MEDIUM  # churn is a conversation to have, not a credit stop
    assert open_alerts(kind=AlertKind.CHURN)[(silent_41.pk, AlertKind.CHURN)].level == Level.MEDIUM
    assert not assessment(silent_40).churn_risk
    assert not assessment(once).churn_risk
    assert not assessment(never).churn_risk
    assert set(open_alerts(kind=AlertKind.CHURN)) == {(silent_41.pk, AlertKind.CHURN)}
    churn = RiskAlert.objects.get(kind=AlertKind.CHURN)
    assert churn.level == Level.MEDIUM
    assert churn.details == {"code": "gap", "days": "41", "median_gap": "20"}


# --- proposals -----------------------------------------------------------------------------------


@pytest.fixture
def proposal_ledger():
    """high: 500 over 90 days; medium: 85 % of a 1 000 limit used; low: nothing open."""
    high = CustomerFactory(credit_limit=D("50000.00"), payment_terms_days=30)
    medium = CustomerFactory(credit_limit=D("1000.00"), payment_terms_days=30)
    low = CustomerFactory(credit_limit=D("50000.00"), payment_terms_days=30)
    record_sale(high, "500.00", -400)
    record_sale(medium, "850.00", 0)
    return high, medium, low


def test_scoring_proposes_a_policy_per_recommended_action(proposal_ledger):
    high, medium, low = proposal_ledger
    score()
    p = CreditProposal.objects.get(customer=high)
    assert p.status == ProposalStatus.PENDING
    assert (p.level, p.current_limit, p.current_terms_days) == (Level.HIGH, D("50000.00"), 30)
    assert (p.credit_limit, p.payment_terms_days, p.require_prepayment, p.require_guarantee) == (
        D("0.00"),
        30,
        True,
        True,
    )
    assert [code for code, _values in p.reasons] == ["over_90"]
    p = CreditProposal.objects.get(customer=medium)
    assert (p.level, p.credit_limit, p.payment_terms_days, p.require_prepayment, p.require_guarantee) == (
        Level.MEDIUM,
        D("1000.00"),
        15,
        False,
        False,
    )
    assert not CreditProposal.objects.filter(customer=low).exists()

    score()
    assert CreditProposal.objects.count() == 2  # still one pending per customer


def test_approving_applies_limit_terms_and_policy(proposal_ledger, finance_user):
    high, medium, _low = proposal_ledger
    score()
    decided = services.proposal_decide(
        proposal=CreditProposal.objects.get(customer=high), user=finance_user, approve=True, note="同意"
    )
    assert decided.status == ProposalStatus.APPROVED
    assert decided.decided_by == finance_user
    assert decided.decided_at is not None
    assert decided.decision_note == "同意"
    high.refresh_from_db()
    assert (high.credit_limit, high.payment_terms_days) == (D("0.00"), 30)
    policy = CreditPolicy.objects.get(customer=high)
    assert (policy.require_prepayment, policy.require_guarantee) == (True, True)

    services.proposal_decide(proposal=CreditProposal.objects.get(customer=medium), user=finance_user, approve=True)
    medium.refresh_from_db()
    assert (medium.credit_limit, medium.payment_terms_days) == (D("1000.00"), 15)

    # the policies now in force are what the next run would propose: nothing new
    score()
    assert not CreditProposal.objects.filter(status=ProposalStatus.PENDING, customer=high).exists()


def test_approving_with_values_adjusted_by_finance(proposal_ledger, finance_user):
    high, _medium, _low = proposal_ledger
    score()
    proposal = CreditProposal.objects.get(customer=high)
    services.proposal_decide(
        proposal=proposal,
        user=finance_user,
        approve=True,
        credit_limit=D("200.00"),
        payment_terms_days=10,
        require_prepayment=False,
        require_guarantee=True,
    )
    high.refresh_from_db()
    assert (high.credit_limit, high.payment_terms_days) == (D("200.00"), 10)
    policy = CreditPolicy.objects.get(customer=high)
    assert (policy.require_prepayment, policy.require_guarantee) == (False, True)
    proposal.refresh_from_db()
    assert (proposal.credit_limit, proposal.payment_terms_days) == (D("200.00"), 10)


def test_rejecting_changes_nothing_on_the_customer(proposal_ledger, finance_user):
    high, _medium, _low = proposal_ledger
    score()
    proposal = CreditProposal.objects.get(customer=high)
    services.proposal_decide(proposal=proposal, user=finance_user, approve=False, note="老客户")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.decision_note) == (
        ProposalStatus.REJECTED,
        finance_user,
        "老客户",
    )
    high.refresh_from_db()
    assert (high.credit_limit, high.payment_terms_days) == (D("50000.00"), 30)
    assert not CreditPolicy.objects.filter(customer=high).exists()


@pytest.mark.parametrize("first", [True, False])
def test_deciding_twice_is_refused(proposal_ledger, finance_user, first):
    high, _medium, _low = proposal_ledger
    score()
    proposal = CreditProposal.objects.get(customer=high)
    services.proposal_decide(proposal=proposal, user=finance_user, approve=first)
    with pytest.raises(ValidationError):
        services.proposal_decide(proposal=proposal, user=finance_user, approve=not first)
    proposal.refresh_from_db()
    assert proposal.status == (ProposalStatus.APPROVED if first else ProposalStatus.REJECTED)
    high.refresh_from_db()
    assert high.credit_limit == (D("0.00") if first else D("50000.00"))


def test_medium_with_no_terms_left_gets_no_proposal():
    customer = CustomerFactory(credit_limit=D("1000.00"), payment_terms_days=0)
    record_sale(customer, "900.00", 0, due_date=day(0))
    score()
    assert assessment(customer).level == Level.MEDIUM
    assert not CreditProposal.objects.filter(customer=customer).exists()


# --- industry outlook ----------------------------------------------------------------------------


def test_industry_outlook_change_is_recorded(manager_user):
    industry = IndustryFactory(name="测试行业", outlook="stable", competition="medium")
    services.industry_outlook_change(
        industry=industry, user=manager_user, outlook="declining", competition="high", reason=" 政策收紧 "
    )
    industry.refresh_from_db()
    assert (industry.outlook, industry.competition) == ("declining", "high")
    change = IndustryChange.objects.get(industry=industry)
    assert (change.old_outlook, change.new_outlook, change.old_competition, change.new_competition) == (
        "stable",
        "declining",
        "medium",
        "high",
    )
    assert (change.changed_by, change.reason) == (manager_user, "政策收紧")


@pytest.mark.parametrize(
    ("outlook", "competition", "reason"),
    [("declining", "medium", "  "), ("declining", "medium", ""), ("stable", "medium", "没有变化")],
)
def test_industry_outlook_change_refuses_empty_reason_or_no_change(manager_user, outlook, competition, reason):
    industry = IndustryFactory(name="测试行业", outlook="stable", competition="medium")
    with pytest.raises(ValidationError):
        services.industry_outlook_change(
            industry=industry, user=manager_user, outlook=outlook, competition=competition, reason=reason
        )
    industry.refresh_from_db()
    assert (industry.outlook, industry.competition) == ("stable", "medium")
    assert not IndustryChange.objects.exists()


# --- the check before a sale ---------------------------------------------------------------------


def test_sale_check_warns_over_the_limit():
    customer = CustomerFactory(credit_limit=D("1000.00"))
    record_sale(customer, "600.00", 0)
    assert sale_problems(customer_id=customer.pk, amount=D("400.00")) == []  # exactly at the limit
    problems = sale_problems(customer_id=customer.pk, amount=D("400.01"))
    assert len(problems) == 1
    message, blocking = problems[0]
    assert not blocking
    assert customer.name in message


def test_sale_check_warns_for_high_credit_risk():
    customer = CustomerFactory(credit_limit=D("100000.00"))
    record_sale(customer, "500.00", -400)  # over 90 days: high
    assert sale_problems(customer_id=customer.pk, amount=D("10.00")) == []  # not assessed yet
    score()
    problems = sale_problems(customer_id=customer.pk, amount=D("10.00"))
    assert len(problems) == 1
    assert problems[0][1] is False


def test_sale_check_blocks_with_the_setting_on():
    customer = CustomerFactory(credit_limit=D("1000.00"))
    record_sale(customer, "500.00", -400)
    score()
    services.risk_settings_update(block_risky_sales=True)
    problems = sale_problems(customer_id=customer.pk, amount=D("600.00"))
    assert len(problems) == 2  # over the limit (1 100 > 1 000) and high credit risk
    assert all(blocking for _message, blocking in problems)
    services.risk_settings_update(block_risky_sales=False)
    assert not any(blocking for _m, blocking in sale_problems(customer_id=customer.pk, amount=D("600.00")))


def test_the_sale_service_applies_the_check_for_every_caller():
    from tests.transactions.factories import at
    from transactions import services as ledger
    from transactions.models import Sale

    customer = CustomerFactory(credit_limit=D("1000.00"))
    record_sale(customer, "600.00", 0)
    # a warning: the form asks first (confirmed=False), other callers record it
    with pytest.raises(ledger.SaleNeedsConfirmation) as asked:
        ledger.sale_record(customer=customer, occurred_at=at(0), product="X", amount=D("500.00"), confirmed=False)
    assert customer.name in asked.value.messages[0]
    assert record_sale(customer, "500.00", 0).pk
    # with the setting on, refused whoever asks, and nothing written
    services.risk_settings_update(block_risky_sales=True)
    before = Sale.objects.count()
    with pytest.raises(ValidationError) as refused:
        record_sale(customer, "1.00", 0)
    (message,) = refused.value.messages  # over the limit: ¥1,101.00 open against ¥1,000.00
    assert customer.name in message and "¥1,101.00" in message and "¥1,000.00" in message
    assert Sale.objects.count() == before
