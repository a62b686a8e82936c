"""Eligibility rules as data, and an engine that explains its verdict (§6.1.4, §4.1).

A rule set is a list of *alternatives*; an application is eligible when every condition of
at least one alternative holds. Rule sets are JSON-compatible so staff can edit them::

    [
      [{"type": "certificate", "level": 4, "min_years": 4}],          # 四级证书满4年
      [{"type": "experience", "min_years": 8}],                        # 或 从事本职业满8年
      [{"type": "education", "min": "bachelor"}, {"type": "experience", "min_years": 2}],
    ]

Condition types:
- ``certificate``: holds a certificate of this occupation (or ``occupation`` code) at ``level``
  or higher (lower number), issued at least ``min_years`` before the application date;
- ``experience``: at least ``min_years`` years in the occupation;
- ``education``: education at least ``min``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .enums import Education

LEVEL_NAMES = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}


@dataclass(frozen=True)
class PriorCertificate:
    occupation_code: str
    level: int  # 1 高级技师 … 5 初级工
    issued_on: dt.date
    number: str = ""


@dataclass(frozen=True)
class Facts:
    """What the application claims (and reviewers check against the documents)."""

    occupation_code: str
    applied_on: dt.date
    education: Education | None = None
    years_in_occupation: float = 0.0
    certificates: Sequence[PriorCertificate] = field(default_factory=tuple)


@dataclass(frozen=True)
class ConditionResult:
    met: bool
    text: str


@dataclass(frozen=True)
class AlternativeResult:
    met: bool
    conditions: list[ConditionResult]

    def describe(self) -> str:
        return "；".join(c.text for c in self.conditions)


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    matched: int | None  # 1-based number of the first alternative that holds
    alternatives: list[AlternativeResult]

    def explanation(self) -> str:
        if self.eligible:
            return _("符合申报条件（满足第%(n)d项）：%(detail)s") % {
                "n": self.matched, "detail": self.alternatives[self.matched - 1].describe()}
        lines = [_("不符合任何一项申报条件：")]
        for i, alt in enumerate(self.alternatives, start=1):
            unmet = "；".join(c.text for c in alt.conditions if not c.met)
            lines.append(_("第%(n)d项未满足：%(detail)s") % {"n": i, "detail": unmet})
        return "\n".join(lines)


def _years_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 365.2425


def _fmt_years(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def describe_condition(cond: dict[str, Any]) -> str:
    """What a condition asks for, in words (used in verdicts and on the rule-set pages)."""
    kind = cond["type"]
    if kind == "certificate":
        text = _("持有%(level)s或以上证书") % {"level": LEVEL_NAMES[cond["level"]]}
        if cond.get("min_years"):
            text += _("满%(y)s年") % {"y": _fmt_years(cond["min_years"])}
        return text
    if kind == "experience":
        return _("累计从事本职业工作满%(y)s年") % {"y": _fmt_years(cond["min_years"])}
    return _("%(edu)s及以上学历") % {"edu": str(Education[cond["min"].upper()].label)}


def describe_rule_set(rule_set: list[list[dict[str, Any]]]) -> list[str]:
    """One line per alternative: "条件一，且条件二"."""
    return [_("，且").join(describe_condition(c) for c in alternative) for alternative in rule_set]


def _certificate(cond: dict[str, Any], facts: Facts) -> ConditionResult:
    occupation = cond.get("occupation") or facts.occupation_code
    level, min_years = cond["level"], cond.get("min_years", 0)
    want = describe_condition(cond)
    held = [c for c in facts.certificates if c.occupation_code == occupation and c.level <= level]
    if not held:
        return ConditionResult(False, _("%(want)s：未持有") % {"want": want})
    best = min(held, key=lambda c: c.issued_on)
    years = _years_between(best.issued_on, facts.applied_on)
    detail = _("%(date)s取得，已满%(y)s年") % {"date": best.issued_on.isoformat(), "y": _fmt_years(years)}
    if years + 1e-9 < min_years:
        return ConditionResult(False, _("%(want)s：%(detail)s，不足") % {"want": want, "detail": detail})
    return ConditionResult(True, _("%(want)s：满足（%(detail)s）") % {"want": want, "detail": detail})


def _experience(cond: dict[str, Any], facts: Facts) -> ConditionResult:
    need, have = cond["min_years"], facts.years_in_occupation
    want = describe_condition(cond)
    if have + 1e-9 < need:
        return ConditionResult(False, _("%(want)s：申报%(h)s年，不足") % {"want": want, "h": _fmt_years(have)})
    return ConditionResult(True, _("%(want)s：满足（申报%(h)s年）") % {"want": want, "h": _fmt_years(have)})


def _education(cond: dict[str, Any], facts: Facts) -> ConditionResult:
    need = Education[cond["min"].upper()]
    want = describe_condition(cond)
    if facts.education is None:
        return ConditionResult(False, _("%(want)s：未填写学历") % {"want": want})
    have = str(Education(facts.education).label)
    if facts.education < need:
        return ConditionResult(False, _("%(want)s：申报%(edu)s，不足") % {"want": want, "edu": have})
    return ConditionResult(True, _("%(want)s：满足（%(edu)s）") % {"want": want, "edu": have})


EVALUATORS = {"certificate": _certificate, "experience": _experience, "education": _education}


def validate_rule_set(data: Any) -> list[list[dict[str, Any]]]:
    """Check an edited rule set; the error names the alternative and condition at fault."""
    if not isinstance(data, list) or not data:
        raise ValidationError(_("申报条件应至少包含一项。"))
    for i, alternative in enumerate(data, start=1):
        if not isinstance(alternative, list) or not alternative:
            raise ValidationError(_("第%(i)d项申报条件应至少包含一个条件。") % {"i": i})
        for j, cond in enumerate(alternative, start=1):
            where = _("第%(i)d项第%(j)d个条件") % {"i": i, "j": j}
            kind = cond.get("type") if isinstance(cond, dict) else None
            if kind not in EVALUATORS:
                raise ValidationError(_("%(where)s：未知的条件类型“%(t)s”。") % {"where": where, "t": kind})
            if kind == "certificate" and cond.get("level") not in LEVEL_NAMES:
                raise ValidationError(_("%(where)s：证书等级应为1至5。") % {"where": where})
            if kind in ("certificate", "experience"):
                years = cond.get("min_years", 0 if kind == "certificate" else None)
                if not isinstance(years, int | float) or years < 0:
                    raise ValidationError(_("%(where)s：年限应为不小于0的数字。") % {"where": where})
            if kind == "education" and str(cond.get("min", "")).upper() not in Education.__members__:
                raise ValidationError(_("%(where)s：未知的学历“%(e)s”。") % {"where": where, "e": cond.get("min")})
    return data


def evaluate(rule_set: list[list[dict[str, Any]]], facts: Facts) -> Verdict:
    validate_rule_set(rule_set)
    results = []
    for alternative in rule_set:
        conditions = [EVALUATORS[c["type"]](c, facts) for c in alternative]
        results.append(AlternativeResult(all(c.met for c in conditions), conditions))
    matched = next((i for i, r in enumerate(results, start=1) if r.met), None)
    return Verdict(matched is not None, matched, results)


# Editable defaults for 碳排放管理员 (4-09-07-04), keyed by level number. They follow the
# national skill standards' usual pattern and are a starting point: each certification body
# checks them against the standard it applies and edits them in the console.
CARBON_EMISSION_MANAGER_DEFAULTS: dict[int, list[list[dict[str, Any]]]] = {
    4: [
        [{"type": "experience", "min_years": 2}],
        [{"type": "education", "min": "college"}],
    ],
    3: [
        [{"type": "certificate", "level": 4, "min_years": 4}],
        [{"type": "experience", "min_years": 8}],
        [{"type": "education", "min": "bachelor"}, {"type": "experience", "min_years": 2}],
    ],
    2: [
        [{"type": "certificate", "level": 3, "min_years": 3}],
        [{"type": "certificate", "level": 3, "min_years": 2}, {"type": "education", "min": "bachelor"}],
    ],
    1: [
        [{"type": "certificate", "level": 2, "min_years": 3}],
    ],
}
