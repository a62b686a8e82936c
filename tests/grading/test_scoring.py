"""Objective scoring rules (§6.3.3 阅卷, §6.5.1): every rule, by example and by property."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from skillcert.grading.scoring import MultipleRule, alternatives, is_correct, response_code, score_item

P = Decimal("4")


def test_single_and_judge_score_the_key_only():
    assert score_item("single", "B", P, "B") == P
    assert score_item("single", "B", P, "b") == P
    assert score_item("single", "B", P, "C") == 0
    assert score_item("single", "B", P, "") == 0
    assert score_item("single", "B", P, None) == 0
    assert score_item("judge", "T", P, "T") == P
    assert score_item("judge", "T", P, "F") == 0


def test_multiple_all_or_nothing():
    assert score_item("multiple", "ACD", P, ["A", "C", "D"]) == P
    assert score_item("multiple", "ACD", P, ["D", "A", "C"]) == P
    assert score_item("multiple", "ACD", P, ["A", "C"]) == 0
    assert score_item("multiple", "ACD", P, ["A", "B", "C", "D"]) == 0
    assert score_item("multiple", "ACD", P, []) == 0


def test_multiple_partial_credit_rules():
    half, prop = MultipleRule.HALF, MultipleRule.PROPORTIONAL
    assert score_item("multiple", "ACD", P, ["A", "C"], half) == Decimal("2.00")
    assert score_item("multiple", "ACD", Decimal("5"), ["A"], half) == Decimal("2.50")
    assert score_item("multiple", "ACD", P, ["A", "C", "D"], half) == P
    assert score_item("multiple", "ACD", P, ["A", "B"], half) == 0  # any wrong option: nothing
    assert score_item("multiple", "ACD", P, ["A", "C"], prop) == Decimal("2.67")
    assert score_item("multiple", "ACD", P, ["A"], prop) == Decimal("1.33")
    assert score_item("multiple", "ACD", P, ["A", "E"], prop) == 0


def test_fill_in_accepts_every_alternative_folded():
    key = "二氧化碳当量|CO2e｜tCO₂e"
    assert alternatives(key) == ["二氧化碳当量", "co2e", "tco2e"]
    for answer in ("二氧化碳当量", " CO2e ", "ｃｏ２ｅ", "co 2 e", "tCO₂e"):
        assert score_item("fill", key, P, answer) == P, answer
    assert score_item("fill", key, P, "二氧化碳") == 0
    assert score_item("fill", key, P, ["CO2e"]) == 0


def test_subjective_types_are_not_scored_automatically():
    for t in ("short", "calculation", "case", "practical", "defence"):
        assert score_item(t, "参考答案", P, "作答") is None


def test_correctness_and_response_codes_ignore_the_partial_rule():
    assert is_correct("multiple", "AC", ["C", "A"])
    assert not is_correct("multiple", "AC", ["A"])
    assert response_code("multiple", ["C", "A"]) == "AC"
    assert response_code("single", "b") == "B"
    assert response_code("fill", " CO2e ") == "co2e"
    assert response_code("single", None) == ""


options = st.sets(st.sampled_from("ABCDE"), min_size=1)


@given(key=st.sets(st.sampled_from("ABCDE"), min_size=2), chosen=options,
       rule=st.sampled_from(list(MultipleRule)), points=st.integers(1, 20))
def test_multiple_choice_scores_stay_within_bounds_and_never_reward_a_wrong_option(key, chosen, rule, points):
    pts = Decimal(points)
    got = score_item("multiple", "".join(sorted(key)), pts, sorted(chosen), rule)
    assert Decimal(0) <= got <= pts
    if chosen - key:
        assert got == 0
    if chosen == key:
        assert got == pts
    if chosen < key:
        assert (got > 0) == (rule != MultipleRule.ALL_OR_NOTHING)
