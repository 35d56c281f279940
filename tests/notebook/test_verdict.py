"""The verdict (几秒判断): value tier × worst risk in one line, in Chinese and English; which risk
is the worst. No database."""

from decimal import Decimal

import pytest
from django.utils import translation

from risk.calculations import worst_risk
from risk.models import CreditAssessment
from risk.texts import verdict_for, verdict_text

D = Decimal
TIERS = ["A", "B", "C", "D", None]
QUIET = {
    "credit_level": "low",
    "credit_reasons": [],
    "market_level": "low",
    "churn": False,
    "churn_reason": {},
    "concentration": None,
}

# name: (worst_risk inputs on top of QUIET, action, expected kind and level, English, Chinese)
CASES = {
    "credit high": (
        {"credit_level": "high", "credit_reasons": [("over_90", {"amount": D("48200.00")})]},
        "stop_credit",
        ("credit", "high"),
        "credit risk high: ¥48,200.00 over 90 days past due; Stop credit; ask for prepayment or a guarantee.",
        "信用风险 高：¥48,200.00 逾期超过 90 天；停止赊销；要求预付款或担保。",
    ),
    "credit high over limit": (
        {
            "credit_level": "high",
            "credit_reasons": [("over_limit", {"open": D("12000.00"), "limit": D("10000.00")})],
        },
        "stop_credit",
        ("credit", "high"),
        "credit risk high: ¥12,000.00 open, over the credit limit of ¥10,000.00; "
        "Stop credit; ask for prepayment or a guarantee.",
        None,
    ),
    "credit medium": (
        {"credit_level": "medium", "credit_reasons": [("overdue_31_90", {"amount": D("1234.50")})]},
        "shorten_terms",
        ("credit", "medium"),
        "credit risk medium: ¥1,234.50 31–90 days past due; Shorten the payment terms.",
        "信用风险 中：¥1,234.50 逾期 31–90 天；缩短账期。",
    ),
    "credit medium late": (
        {"credit_level": "medium", "credit_reasons": [("late_share", {"share": D("0.3333")})]},
        "shorten_terms",
        ("credit", "medium"),
        "credit risk medium: 33.3 % of the last 12 months' invoices paid late; Shorten the payment terms.",
        None,
    ),
    "credit low": (
        {},
        "standard_terms",
        ("credit", "low"),
        "credit risk low; Standard terms.",
        "信用风险 低；标准条款。",
    ),
    "churn": (
        {"churn": True, "churn_reason": {"code": "p_alive", "p_alive": 0.2}},
        "standard_terms",
        ("churn", "medium"),
        "churn risk medium: Probably no longer buying: P(alive) 20.0 %",
        "流失风险 中：可能已不再购买：活跃概率 20.0 %",
    ),
    "churn by gap": (
        {"churn": True, "churn_reason": {"code": "gap", "days": 200, "median_gap": 30}},
        "standard_terms",
        ("churn", "medium"),
        "churn risk medium: No purchase for 200 days, more than twice the usual 30",
        "流失风险 中：已 200 天未购买，超过通常间隔 30 天的两倍",
    ),
    "concentration": (
        {"concentration": D("0.3125")},
        "standard_terms",
        ("concentration", "medium"),
        "concentration risk medium: 31.3 % of the portfolio's revenue in the last 12 months",
        "集中度风险 中：占近12个月总收入的 31.3 %",
    ),
    "market high": (
        {"market_level": "high"},
        "standard_terms",
        ("market", "high"),
        "market risk high: the industry's outlook or competition",
        "市场风险 高：行业前景或竞争程度",
    ),
    "market high with its figures": (
        {
            "market_level": "high",
            "market_values": {
                "industry": "建筑",
                "outlook": "declining",
                "competition": "high",
                "open": "27134.81",
                "revenue": "127112.89",
            },
        },
        "standard_terms",
        ("market", "high"),
        "market risk high: 建筑 (declining outlook, high competition): ¥27,134.81 owed, "
        "¥127,112.89 bought in the last 12 months",
        "市场风险 高：建筑（行业前景下行，竞争激烈）：欠款 ¥27,134.81，近12个月采购 ¥127,112.89",
    ),
    "market medium": (
        {"market_level": "medium"},
        "standard_terms",
        ("market", "medium"),
        "market risk medium: the industry's outlook or competition",
        "市场风险 中：行业前景或竞争程度",
    ),
}


def verdict(tier, inputs, action):
    kind, level, reason = worst_risk(**{**QUIET, **inputs})
    return verdict_text(tier=tier, kind=kind, level=level, reason=reason, action=action)


@pytest.mark.parametrize("tier", TIERS, ids=lambda t: t or "none")
@pytest.mark.parametrize("case", list(CASES))
def test_verdict_in_english(tier, case):
    inputs, action, expected_risk, english, _chinese = CASES[case]
    assert worst_risk(**{**QUIET, **inputs})[:2] == expected_risk
    with translation.override("en"):
        line = verdict(tier, inputs, action)
    assert line == f"{tier or '—'} · {english}"


@pytest.mark.parametrize("tier", TIERS, ids=lambda t: t or "none")
@pytest.mark.parametrize("case", [name for name, spec in CASES.items() if spec[4]])
def test_verdict_in_chinese(tier, case):
    inputs, action, _risk, _english, chinese = CASES[case]
    with translation.override("zh-hans"):
        line = verdict(tier, inputs, action)
    assert line == f"{tier or '—'} · {chinese}"


def test_the_design_example():
    with translation.override("en"):
        line = verdict_text(
            tier="A",
            kind="credit",
            level="high",
            reason=("over_90", {"amount": D("48200")}),
            action="stop_credit",
        )
    assert (
        line
        == "A · credit risk high: ¥48,200.00 over 90 days past due; Stop credit; ask for prepayment or a guarantee."
    )


def test_verdict_for_a_stored_assessment():
    """Reasons come back from the JSON field with amounts and shares as strings."""
    assessment = CreditAssessment(
        level="high",
        reasons=[["over_90", {"amount": "600.00"}], ["late_share", {"share": "0.6667"}]],
        action="stop_credit",
        market_level="low",
        concentration_share=D("0.4444"),
        churn_risk=False,
        churn_reason={},
    )
    with translation.override("zh-hans"):
        assert verdict_for(assessment, "C") == "C · 信用风险 高：¥600.00 逾期超过 90 天；停止赊销；要求预付款或担保。"
    with translation.override("en"):
        assert verdict_for(assessment, None) == (
            "— · credit risk high: ¥600.00 over 90 days past due; Stop credit; ask for prepayment or a guarantee."
        )
    assert verdict_for(None, "A") == ""


# --- which risk is the worst ---------------------------------------------------------------------


def worst(**inputs):
    return worst_risk(**{**QUIET, **inputs})


def test_credit_wins_ties():
    over_90 = [("over_90", {"amount": D("1.00")})]
    tie = worst(
        credit_level="high",
        credit_reasons=over_90,
        churn=True,
        churn_reason={"code": "p_alive", "p_alive": 0.1},
        concentration=D("0.5"),
        market_level="high",
    )
    assert tie == ("credit", "high", ("over_90", {"amount": D("1.00")}))
    assert worst(credit_level="medium", market_level="medium")[:2] == ("credit", "medium")
    assert worst() == ("credit", "low", None)


def test_a_higher_level_beats_credit():
    assert worst(credit_level="medium", market_level="high")[:2] == ("market", "high")
    assert worst(credit_level="low", market_level="medium")[:2] == ("market", "medium")
    assert worst(credit_level="low", concentration=D("0.21"))[:2] == ("concentration", "medium")
    assert worst(credit_level="low", churn=True, churn_reason={"code": "gap"})[:2] == ("churn", "medium")
    # churn and concentration are medium: they never outrank a credit or market risk that is high
    assert worst(credit_level="high", churn=True, churn_reason={"code": "gap"})[:2] == ("credit", "high")
    assert worst(market_level="high", concentration=D("0.5"))[:2] == ("market", "high")


def test_after_credit_the_order_is_churn_concentration_market():
    churn = {"churn": True, "churn_reason": {"code": "p_alive", "p_alive": 0.3}}
    assert worst(**churn, concentration=D("0.5"), market_level="medium")[0] == "churn"
    assert worst(concentration=D("0.5"), market_level="medium")[0] == "concentration"
    assert worst(credit_level="medium", **churn)[0] == "credit"


def test_concentration_is_medium_only_above_20_percent():
    assert worst(concentration=D("0.2000")) == ("credit", "low", None)
    assert worst(concentration=D("0.2001")) == (
        "concentration",
        "medium",
        ("concentration", {"share": D("0.2001")}),
    )
    assert worst(concentration=None) == ("credit", "low", None)
