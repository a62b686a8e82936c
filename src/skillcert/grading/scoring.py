"""Objective scoring (§6.3.3 阅卷, §6.5.1 百分制): pure functions over an item's key, its points and a response.

The rules are data, stored with each scoring run so a score can be recomputed from its inputs:

    single, judge   the key's option → full points, anything else 0
    multiple        ``MultipleRule``: all-or-nothing; or, when no wrong option is chosen, half the points for
                    a correct subset (少选得一半分); or points × (correct options chosen ÷ correct options)
    fill            any accepted alternative of the key (alternatives separated by "|" or "｜"), compared after
                    Unicode NFKC folding, case folding and removal of spaces → full points

Subjective types (short answer, calculation, case analysis, practical, defence) are not scored here: they are
marked by people (``None``). Points are Decimals rounded half-up to 0.01.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.itembank.enums import ItemType

CENT = Decimal("0.01")
ZERO = Decimal("0")
AUTO_TYPES = frozenset({ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE, ItemType.FILL})
_ALTERNATIVES = re.compile(r"[|｜]")
_SPACE = re.compile(r"\s+")


class MultipleRule(models.TextChoices):
    ALL_OR_NOTHING = "all", _("全部选对得分，错选、漏选均不得分")
    HALF = "half", _("全部选对得满分；少选且无错选得一半分；错选不得分")
    PROPORTIONAL = "proportional", _("按选对的比例得分；有错选不得分")


def fold(text: str) -> str:
    """A fill-in answer as compared: NFKC (full-width → half-width), case-folded, without whitespace."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def alternatives(key: str) -> list[str]:
    return [f for f in (fold(a) for a in _ALTERNATIVES.split(key or "")) if f]


def _chosen(value: Any) -> set[str]:
    if isinstance(value, str):
        return {ch for ch in value.upper() if ch.isalpha()}
    if isinstance(value, list | tuple):
        return {str(v).upper() for v in value if str(v).strip()}
    return set()


def score_item(item_type: str, key: str, points: Decimal, value: Any,
               multiple_rule: str = MultipleRule.ALL_OR_NOTHING) -> Decimal | None:
    """The points a response earns, or None when the type is marked by people."""
    if item_type not in AUTO_TYPES:
        return None
    if value in (None, "", []):
        return ZERO
    if item_type in (ItemType.SINGLE, ItemType.JUDGE):
        return points if isinstance(value, str) and value.strip().upper() == key.strip().upper() else ZERO
    if item_type == ItemType.FILL:
        return points if isinstance(value, str) and fold(value) in alternatives(key) else ZERO
    right, chosen = _chosen(key), _chosen(value)
    if not chosen or chosen - right:
        return ZERO
    if chosen == right:
        return points
    if multiple_rule == MultipleRule.HALF:
        return (points / 2).quantize(CENT, ROUND_HALF_UP)
    if multiple_rule == MultipleRule.PROPORTIONAL:
        return (points * len(chosen) / len(right)).quantize(CENT, ROUND_HALF_UP)
    return ZERO


def is_correct(item_type: str, key: str, value: Any) -> bool:
    """Right or not, whatever the partial-credit rule (for item analysis and similarity screening)."""
    return score_item(item_type, key, Decimal(1), value) == Decimal(1)


def response_code(item_type: str, value: Any) -> str:
    """A response as one category: "B", "ACD", "T", the folded text of a fill-in; "" for no response."""
    if value in (None, "", []):
        return ""
    if item_type == ItemType.FILL:
        return fold(value) if isinstance(value, str) else ""
    return "".join(sorted(_chosen(value)))
