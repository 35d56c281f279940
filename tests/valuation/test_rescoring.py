"""Current scores: every write that moves a customer's figures asks for a re-scoring, the requests
coalesce (one row and one background pass however many writes), the pass re-scores them in the
day's run with its fitted model, and the nightly run reuses the latest fit."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from costing import services as costing_services
from customers import services as customer_services
from risk import services as risk_services
from risk.models import CreditAssessment, CreditProposal
from tests.costing.factories import category, cost
from tests.customers.factories import CustomerFactory, IndustryFactory
from tests.transactions.factories import day, record_payment, record_sale
from transactions import services as ledger
from valuation import calculations as calc
from valuation import selectors, services, tasks
from valuation.choices import RescoreOutcome, RunStatus
from valuation.models import CustomerValuation, RescoreRequest, ValuationRun

from .conftest import build_portfolio

pytestmark = pytest.mark.django_db

D = Decimal


def pending() -> set[int]:
    return set(RescoreRequest.objects.values_list("customer_id", flat=True))


# --- what asks for a re-scoring ----------------------------------------------------------------------


def test_a_sale_a_payment_and_a_void_each_ask_once_per_customer(east_customer, south_customer):
    sale = record_sale(east_customer, "100.00")
    assert pending() == {east_customer.pk}
    first = RescoreRequest.objects.get().requested_at
    record_payment(east_customer, "40.00")
    ledger.sale_void(sale=sale, reason="录错了")
    assert pending() == {east_customer.pk}  # one row however many writes
    assert RescoreRequest.objects.get().requested_at >= first  # the time of the latest write
    record_sale(south_customer, "5.00")
    assert pending() == {east_customer.pk, south_customer.pk}


def test_a_new_customer_and_a_changed_one_ask(team_east):
    customer = customer_services.customer_create(data={"name": "新客户", "team": team_east})
    assert pending() == {customer.pk}
    RescoreRequest.objects.all().delete()
    customer_services.customer_update(customer=customer, data={"credit_limit": D("5000.00")})
    assert pending() == {customer.pk}


def test_costs_ask_for_the_customer_and_a_campaign_for_its_old_and_new_targets(team_east, east_customer):
    entry = cost(east_customer, "12.00")
    assert pending() == {east_customer.pk}
    RescoreRequest.objects.all().delete()
    costing_services.cost_entry_delete(entry=entry)
    assert pending() == {east_customer.pk}
    a, b = CustomerFactory(team=team_east), CustomerFactory(team=team_east)
    RescoreRequest.objects.all().delete()

    def campaign(targets, campaign=None):
        return costing_services.campaign_save(
            campaign=campaign,
            name="春季推广",
            starts_on=day(-30),
            ends_on=day(-1),
            total_cost=D("300.00"),
            category=category("Advertising"),
            allocation_rule="equal",
            targets=targets,
        )

    spring = campaign([a, east_customer])
    assert pending() == {a.pk, east_customer.pk}
    RescoreRequest.objects.all().delete()
    campaign([b], spring)
    assert pending() == {a.pk, b.pk, east_customer.pk}  # those who lost their share move too


def test_an_industry_outlook_change_asks_for_every_customer_in_it(team_east, manager_user):
    industry = IndustryFactory(name="测试行业", name_en="Test", outlook="stable", competition="low")
    inside = [CustomerFactory(team=team_east, industry=industry) for _ in range(3)]
    CustomerFactory(team=team_east)
    RescoreRequest.objects.all().delete()
    risk_services.industry_outlook_change(
        industry=industry, user=manager_user, outlook="declining", competition="low", reason="政策收紧"
    )
    assert pending() == {c.pk for c in inside}


def test_the_commit_asks_for_one_background_pass_for_many_writes(
    east_customer, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.rescore_pending, "apply_async", lambda **kw: sent.append(kw))
    cache.delete(tasks.RESCORE_SCHEDULED)
    with django_capture_on_commit_callbacks(execute=True):
        record_sale(east_customer, "10.00")
    with django_capture_on_commit_callbacks(execute=True):
        record_sale(east_customer, "20.00")
        record_payment(east_customer, "5.00")
    assert sent == [{"countdown": tasks.RESCORE_DELAY}]  # coalesced: one pass for the three writes
    cache.delete(tasks.RESCORE_SCHEDULED)
    with django_capture_on_commit_callbacks(execute=True):
        record_sale(east_customer, "30.00")
    assert len(sent) == 2  # the window has passed: the next write asks again


def test_a_write_that_is_rolled_back_asks_for_nothing(east_customer):
    def sale_then_failure():
        with transaction.atomic():
            record_sale(east_customer, "10.00")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        sale_then_failure()
    assert pending() == set()


# --- the background pass -----------------------------------------------------------------------------


@pytest.fixture
def scored(team_east, sales_user):
    """The valuation fixtures' portfolio, scored today, with no requests waiting."""
    portfolio = build_portfolio(team_east, owner=sales_user)
    run = services.valuation_run(as_of=day(0))
    RescoreRequest.objects.all().delete()
    return portfolio, run


def test_the_pass_rescores_the_touched_customers_in_the_days_run(scored):
    portfolio, run = scored
    zeta = portfolio["Zeta"]  # a prospect: no sale, nothing owed
    before = CustomerValuation.objects.get(run=run, customer=zeta)
    assert before.current_value == 0
    assert CreditAssessment.objects.get(run=run, customer=zeta).open_total == 0
    record_sale(zeta, "1234.56", -3, due_date=day(-1))  # sold 3 days ago, due yesterday: 1–30 days past due
    outcome, count = services.valuation_rescore_pending(as_of=day(0))
    assert (outcome, count) == (RescoreOutcome.DONE, 1)
    after = CustomerValuation.objects.get(run=run, customer=zeta)
    assert after.current_value == D("1234.56")
    assert after.t12m_purchases == 1
    assert after.scored_at > before.scored_at
    assessment = CreditAssessment.objects.get(run=run, customer=zeta)
    assert (assessment.open_total, assessment.d1_30) == (D("1234.56"), D("1234.56"))
    assert pending() == set()
    assert CustomerValuation.objects.filter(run=run).count() == len(portfolio.customers)


def test_a_new_customer_gets_a_verdict_from_the_pass(scored, team_east):
    _portfolio, run = scored
    customer = customer_services.customer_create(data={"name": "今天的新客户", "team": team_east})
    assert not CreditAssessment.objects.filter(customer=customer).exists()
    services.valuation_rescore_pending(as_of=day(0))
    assert CreditAssessment.objects.get(run=run, customer=customer).worst_level == "low"
    assert ValuationRun.objects.get(pk=run.pk).customers == 12  # the eleven and the new one


def test_a_request_renewed_while_the_pass_scores_is_kept(scored, monkeypatch):
    portfolio, _run = scored
    alpha = portfolio["Alpha"]
    record_sale(alpha, "10.00")
    real = services.valuation_rescore_customers

    def rescore_while_a_write_lands(**kwargs):
        rows = real(**kwargs)
        services.rescore_request([alpha.pk])  # a write after the pass read what to score
        return rows

    monkeypatch.setattr(services, "valuation_rescore_customers", rescore_while_a_write_lands)
    assert services.valuation_rescore_pending(as_of=day(0))[0] == RescoreOutcome.DONE
    assert pending() == {alpha.pk}  # scored again by the next pass, not lost


def test_the_pass_waits_for_the_days_run(scored):
    portfolio, run = scored
    record_sale(portfolio["Alpha"], "10.00")
    assert services.valuation_rescore_pending(as_of=day(1)) == (RescoreOutcome.NO_RUN, 0)
    ValuationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    assert services.valuation_rescore_pending(as_of=day(0)) == (RescoreOutcome.RUNNING, 0)
    ValuationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
    assert services.valuation_rescore_pending(as_of=day(0)) == (RescoreOutcome.FAILED, 0)
    assert pending() == {portfolio["Alpha"].pk}  # nothing is dropped while waiting


def test_the_task_starts_the_days_run_when_there_is_none_and_comes_back(scored, monkeypatch):
    portfolio, _run = scored
    record_sale(portfolio["Alpha"], "10.00")
    started, again = [], []
    tomorrow = day(1)
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: tomorrow)
    monkeypatch.setattr(tasks, "run_valuation", lambda as_of, refit: started.append((as_of, refit)))
    monkeypatch.setattr(tasks.rescore_pending, "apply_async", lambda **kw: again.append(kw))
    assert tasks.rescore_pending() == RescoreOutcome.NO_RUN
    assert started == [(tomorrow.isoformat(), False)]  # everyone, with the latest fit
    assert again == [{"countdown": tasks.RESCORE_DELAY}]


def test_the_pass_costs_the_same_queries_for_one_customer_and_for_five(scored):
    portfolio, _run = scored
    names = ["Alpha", "Beta", "Gamma", "Theta", "Lambda"]
    record_sale(portfolio["Alpha"], "10.00")
    with CaptureQueriesContext(connection) as one:
        services.valuation_rescore_pending(as_of=day(0))
    for name in names:
        record_sale(portfolio[name], "10.00")
    with CaptureQueriesContext(connection) as five:
        services.valuation_rescore_pending(as_of=day(0))
    assert len(five) == len(one)


# --- the nightly run and what is kept ------------------------------------------------------------------


def test_the_nightly_run_reuses_the_latest_fit(crowd):
    fitted = services.valuation_run(as_of=crowd.as_of)
    assert "r" in fitted.params and fitted.params["fitted_as_of"] == crowd.as_of.isoformat()
    later = crowd.as_of + datetime.timedelta(days=1)
    run = services.valuation_prepare(as_of=later, refit=False)
    for key in ("r", "alpha", "a", "b", "p", "q", "v", "se"):
        assert run.params[key] == fitted.params[key]
    assert run.params["fitted_as_of"] == crowd.as_of.isoformat()
    assert (run.bgnbd_log_likelihood, run.fitted_customers) == (fitted.bgnbd_log_likelihood, fitted.fitted_customers)
    # and the next night's reuses it too: the date stays that of the fit
    for index in range(run.chunks_total):
        services.valuation_score_chunk(run_id=run.pk, index=index)
    services.valuation_finish(run_id=run.pk)
    again = services.valuation_prepare(as_of=later + datetime.timedelta(days=1), refit=False)
    assert again.params["fitted_as_of"] == crowd.as_of.isoformat()


def test_with_no_earlier_run_the_nightly_run_fits(crowd):
    run = services.valuation_prepare(as_of=crowd.as_of, refit=False)
    assert "r" in run.params and run.params["fitted_as_of"] == crowd.as_of.isoformat()


def _run_on(as_of: datetime.date, *, fitted: bool) -> ValuationRun:
    fitted_as_of = as_of if fitted else datetime.date(2026, 1, 1)
    return ValuationRun.objects.create(as_of=as_of, status=RunStatus.DONE, params={"fitted_as_of": str(fitted_as_of)})


def test_prune_keeps_the_recent_days_the_month_ends_and_the_fits(db):
    days = [datetime.date(2026, 3, d) for d in (1, 2, 15, 31)] + [datetime.date(2026, 4, d) for d in (1, 2, 30)]
    runs = {d: _run_on(d, fitted=d.day == 1) for d in days}
    dropped = services.valuation_prune(today=datetime.date(2026, 5, 6), keep_days=35)  # cutoff 1 April
    kept = set(ValuationRun.objects.values_list("as_of", flat=True))
    # March: the fit of the 1st and the month's last run stay; April 1 is a fit; April 2 is inside
    # the 35 days (kept whatever it is), and so is April 30
    assert kept == {datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), *[d for d in days if d.month == 4]}
    assert dropped == 2
    assert not ValuationRun.objects.filter(pk__in=[runs[datetime.date(2026, 3, 2)].pk]).exists()


def test_the_value_history_reads_month_by_month(east_customer):
    for d in (
        datetime.date(2026, 3, 10),
        datetime.date(2026, 3, 31),
        datetime.date(2026, 4, 1),
        datetime.date(2026, 4, 2),
    ):
        CustomerValuation.objects.create(run=_run_on(d, fitted=False), customer=east_customer, as_of=d)
    history = selectors.customer_history(customer=east_customer)
    assert [s.as_of for s in history] == [datetime.date(2026, 4, 2), datetime.date(2026, 3, 31)]
    older = selectors.customer_history(customer=east_customer, as_of=datetime.date(2026, 3, 30))
    assert [s.as_of for s in older] == [datetime.date(2026, 3, 10)]


def test_ranks_among_the_others_are_those_of_the_whole():
    others = [5, 1, 9, 3, 3, 7, 2, 8, 6]
    # among the nine and itself (ten values): 4 beats four (1, 2, 3, 3) → 1 + ⌊5 × 4 / 10⌋ = 3;
    # 10 beats all nine → 1 + ⌊45 / 10⌋ = 5; 0 beats none → 1
    assert calc.quintile_scores_among(others, [4, 10, 0]) == [3, 5, 1]
    for value in (4, 10, 0):
        assert calc.quintile_scores_among(others, [value]) == [calc.quintile_scores([*others, value])[-1]]
        assert calc.quintile_scores_among(others, [value], higher_is_better=False) == [
            calc.quintile_scores([*others, value], higher_is_better=False)[-1]
        ]
    # tiers: 10 has nobody above (A); 4 has five above (5, 6, 7, 8, 9: 50 %, C); 0 has nine (90 %, D)
    assert calc.value_tiers_among([D(v) for v in others], [D(10), D(4), D(0)]) == ["A", "C", "D"]


# --- what the pages say -----------------------------------------------------------------------------------


def test_the_notebook_says_when_the_customer_was_scored(scored, client_for, finance_user):
    portfolio, run = scored
    alpha = portfolio["Alpha"]
    row = CustomerValuation.objects.get(run=run, customer=alpha)
    body = client_for(finance_user).get(reverse("customers:detail", args=[alpha.pk])).content.decode()
    when = timezone.localtime(row.scored_at).strftime("%Y-%m-%d %H:%M")
    assert f"评分于 {when}" in body
    assert f"按 {day(0):%Y-%m-%d} 计" in body  # the value section's figures are dated


def test_the_run_status_says_which_fit_a_nightly_run_used(crowd, client_for, finance_user):
    services.valuation_run(as_of=crowd.as_of)
    later = crowd.as_of + datetime.timedelta(days=1)
    run = services.valuation_prepare(as_of=later, refit=False)
    for index in range(run.chunks_total):
        services.valuation_score_chunk(run_id=run.pk, index=index)
    services.valuation_finish(run_id=run.pk)
    body = client_for(finance_user).get(reverse("valuation:report")).content.decode()
    assert f"截至 {crowd.as_of:%Y-%m-%d} 拟合的购买模型重新评分" in body


def test_a_decided_proposal_asks_for_a_rescore(east_customer, finance_user):
    proposal = CreditProposal.objects.create(
        customer=east_customer,
        level="medium",
        current_limit=east_customer.credit_limit,
        credit_limit=D("8000.00"),
        current_terms_days=east_customer.payment_terms_days,
        payment_terms_days=15,
    )
    RescoreRequest.objects.all().delete()
    risk_services.proposal_decide(proposal=proposal, user=finance_user, approve=True, note="同意")
    assert pending() == {east_customer.pk}  # a new limit: the credit risk moves
