"""Item analysis after a sitting (§6.3.2.2 试卷质量分析, §7.3.1 题库的动态维护): numpy over a score matrix.

Per item: difficulty p (mean score ÷ the item's points), the corrected point-biserial (Pearson r of the item's
score with the rest of the test, the item itself left out) and, for objective items, option analysis: each
response's choice rate, its point-biserial with the rest score, and its rates in the upper and lower 27 %
groups by total score. For the test: KR-20 / Cronbach's α (the same formula; KR-20 when every item is scored
0/1) and the standard error of measurement SEM = SD × √(1 − α). Variances are population variances (÷ n).

Flags for the bank managers (bounds are data, ``Bounds``): p outside [0.15, 0.95], point-biserial below 0.2,
and a distractor chosen more often by the upper group than by the lower group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

GROUP_SHARE = 0.27


@dataclass(frozen=True)
class Bounds:
    p_min: float = 0.15
    p_max: float = 0.95
    r_min: float = 0.20


@dataclass
class OptionStats:
    code: str  # "A", "AC", "T", "" (no response)
    correct: bool
    rate: float
    r_pb: float | None
    upper: float
    lower: float


@dataclass
class ItemStats:
    index: int
    p: float
    r_pb: float | None
    options: list[OptionStats] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class TestStats:
    n: int
    k: int
    mean: float
    sd: float
    alpha: float | None
    sem: float | None
    items: list[ItemStats]


def _corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Column-wise Pearson r of two n × k matrices (NaN where a column is constant)."""
    xc, yc = x - x.mean(axis=0), y - y.mean(axis=0)
    num = (xc * yc).sum(axis=0)
    den = np.sqrt((xc * xc).sum(axis=0) * (yc * yc).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _num(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def groups(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the upper and lower 27 % by total score (ties broken by order, stably)."""
    size = max(1, math.ceil(GROUP_SHARE * len(totals)))
    order = np.argsort(totals, kind="stable")
    return order[-size:], order[:size]


def analyse(scores: np.ndarray, max_points: np.ndarray, *, codes: np.ndarray | None = None,
            labels: list[list[str]] | None = None, keys: list[str] | None = None,
            bounds: Bounds = Bounds()) -> TestStats:
    """``scores``: n candidates × k items (points). Option analysis when ``codes`` (n × k ints: the index of each
    response in ``labels[item]``, −1 for an item with no option analysis) and ``keys`` (the correct code per
    item) are given."""
    x = np.asarray(scores, dtype=np.float64)
    n, k = x.shape
    top = np.asarray(max_points, dtype=np.float64)
    totals = x.sum(axis=1)
    rest = totals[:, None] - x
    p = x.mean(axis=0) / np.where(top > 0, top, 1)
    r = _corr(x, rest)
    var_items, var_total = x.var(axis=0), totals.var()
    alpha = k / (k - 1) * (1 - var_items.sum() / var_total) if k > 1 and var_total > 0 else None
    sem = math.sqrt(var_total * (1 - alpha)) if alpha is not None and alpha <= 1 else None
    upper, lower = groups(totals)
    items = []
    for j in range(k):
        stats = ItemStats(index=j, p=float(p[j]), r_pb=_num(r[j]))
        if codes is not None and labels is not None and labels[j]:
            column = codes[:, j]
            chosen = np.stack([column == c for c in range(len(labels[j]))], axis=1).astype(np.float64)
            option_r = _corr(chosen, np.repeat(rest[:, j:j + 1], len(labels[j]), axis=1))
            for c, code in enumerate(labels[j]):
                stats.options.append(OptionStats(
                    code=code, correct=bool(keys) and code == keys[j], rate=float(chosen[:, c].mean()),
                    r_pb=_num(option_r[c]), upper=float(chosen[upper, c].mean()), lower=float(chosen[lower, c].mean())))
        stats.flags = flags(stats, bounds)
        items.append(stats)
    return TestStats(n=n, k=k, mean=float(totals.mean()), sd=float(totals.std()), alpha=_num(alpha),
                     sem=_num(sem), items=items)


def flags(item: ItemStats, bounds: Bounds) -> list[str]:
    out = []
    if item.p < bounds.p_min:
        out.append(_("过难：难度 p = %(p).2f，低于 %(b).2f") % {"p": item.p, "b": bounds.p_min})
    if item.p > bounds.p_max:
        out.append(_("过易：难度 p = %(p).2f，高于 %(b).2f") % {"p": item.p, "b": bounds.p_max})
    if item.r_pb is not None and item.r_pb < bounds.r_min:
        out.append(_("区分度低：点二列相关 %(r).2f，低于 %(b).2f") % {"r": item.r_pb, "b": bounds.r_min})
    for o in item.options:
        if o.code and not o.correct and o.upper > o.lower:
            out.append(_("干扰项 %(o)s 被高分组选择得更多（%(u).0f%% 对 %(l).0f%%）")
                       % {"o": o.code, "u": o.upper * 100, "l": o.lower * 100})
    return out


def encode(responses: list[list[str]]) -> tuple[np.ndarray, list[list[str]]]:
    """Response codes (n × k strings) as small integers per item (−1 never occurs here), and each item's labels,
    sorted, with "" (no response) last."""
    n, k = len(responses), len(responses[0]) if responses else 0
    labels = [sorted({row[j] for row in responses}, key=lambda c: (c == "", c)) for j in range(k)]
    index = [{c: i for i, c in enumerate(lab)} for lab in labels]
    codes = np.empty((n, k), dtype=np.int16)
    for i, row in enumerate(responses):
        for j, c in enumerate(row):
            codes[i, j] = index[j][c]
    return codes, labels
