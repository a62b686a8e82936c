"""Eligibility engine (§6.1.4): each alternative, and the explanation a reviewer and a candidate read."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from skillcert.registration.eligibility import (
    CARBON_EMISSION_MANAGER_DEFAULTS as DEFAULTS,
)
from skillcert.registration.eligibility import (
    Education,
    Facts,
    PriorCertificate,
    evaluate,
    validate_rule_set,
)

OCC = "4-09-07-04"
APPLIED = dt.date(2026, 11, 20)


def facts(**kw) -> Facts:
    return Facts(occupation_code=OCC, applied_on=APPLIED, **kw)


def cert(level: int, years_ago: float, occupation: str = OCC) -> PriorCertificate:
    return PriorCertificate(occupation, level, APPLIED - dt.timedelta(days=round(years_ago * 365.2425)))


def test_level_3_by_a_level_4_certificate_held_four_years():
    verdict = evaluate(DEFAULTS[3], facts(certificates=[cert(4, 4.5)], years_in_occupation=5))
    assert (verdict.eligible, verdict.matched) == (True, 1)
    assert verdict.explanation().startswith("符合申报条件（满足第1项）：持有四级/中级工或以上证书满4年：满足")


def test_level_3_by_eight_years_of_experience():
    verdict = evaluate(DEFAULTS[3], facts(years_in_occupation=8))
    assert verdict.matched == 2


def test_level_3_by_a_degree_and_two_years():
    verdict = evaluate(DEFAULTS[3], facts(education=Education.BACHELOR, years_in_occupation=2))
    assert verdict.matched == 3
    assert "本科及以上学历：满足（本科）" in verdict.explanation()


def test_a_higher_certificate_counts_for_a_lower_requirement():
    assert evaluate(DEFAULTS[3], facts(certificates=[cert(3, 5)])).matched == 1


def test_another_occupations_certificate_does_not_count():
    verdict = evaluate(DEFAULTS[1], facts(certificates=[cert(2, 10, occupation="4-04-05-05")]))
    assert not verdict.eligible


def test_ineligible_explanation_names_what_each_alternative_lacks():
    verdict = evaluate(DEFAULTS[3], facts(certificates=[cert(4, 2)], education=Education.COLLEGE,
                                          years_in_occupation=3))
    assert not verdict.eligible and verdict.matched is None
    text = verdict.explanation()
    assert text.splitlines() == [
        "不符合任何一项申报条件：",
        f"第1项未满足：持有四级/中级工或以上证书满4年：{cert(4, 2).issued_on.isoformat()}取得，已满2年，不足",
        "第2项未满足：累计从事本职业工作满8年：申报3年，不足",
        "第3项未满足：本科及以上学历：申报大专，不足",  # its experience condition holds, so it is not listed
    ]


def test_conjunction_needs_every_condition():
    rule = DEFAULTS[2]  # second alternative: level-3 certificate for 2 years AND a bachelor's degree
    assert not evaluate(rule, facts(certificates=[cert(3, 2.5)], education=Education.COLLEGE)).eligible
    assert evaluate(rule, facts(certificates=[cert(3, 2.5)], education=Education.BACHELOR)).matched == 2


def test_missing_education_is_said_plainly():
    verdict = evaluate(DEFAULTS[4], facts(years_in_occupation=1))
    assert "大专及以上学历：未填写学历" in verdict.explanation()


@pytest.mark.parametrize("level", sorted(DEFAULTS))
def test_shipped_defaults_are_valid(level):
    assert validate_rule_set(DEFAULTS[level]) == DEFAULTS[level]


@pytest.mark.parametrize("data, message", [
    ([], "至少包含一项"),
    ([[]], "第1项申报条件应至少包含一个条件"),
    ([[{"type": "age"}]], "第1项第1个条件：未知的条件类型“age”"),
    ([[{"type": "experience", "min_years": 2}], [{"type": "certificate", "level": 7}]],
     "第2项第1个条件：证书等级应为1至5"),
    ([[{"type": "experience", "min_years": -1}]], "年限应为不小于0的数字"),
    ([[{"type": "education", "min": "phd"}]], "未知的学历“phd”"),
])
def test_bad_rule_sets_are_refused_with_the_place_named(data, message):
    with pytest.raises(ValidationError) as exc:
        validate_rule_set(data)
    assert message in exc.value.messages[0]
