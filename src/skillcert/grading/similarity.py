"""Answer similarity screening (表B.1 雷同试卷): identical incorrect answers against chance.

Evidence for the staff's decision, never an automatic penalty.

For each item t, among the candidates who answered it wrongly (a response, not the key, not blank), q_t(o) is
the share that gave wrong response o; two independent wrong answers then coincide with probability
π_t = Σ_o q_t(o)². For a pair of candidates, X = the number of items both answered wrongly *with the same
response*. Under independence, given the items both got wrong, X is Poisson-binomial with the π_t of those
items, and the pair's p-value is its exact upper tail P(X ≥ x).

The false-alarm rate is controlled over all n(n−1)/2 pairs by Bonferroni: a pair is flagged when p ≤ α ÷ pairs,
so an honest sitting raises any alarm with probability at most α. Flagged pairs are grouped into clusters
(connected components), which the console shows with the candidates' seats.

Computed in row chunks with three matrix products (identical wrong answers; mean and variance of X). The exact
tail is computed only for pairs whose normal z-score comes within ``MARGIN`` of the Bonferroni threshold:
the skew of X (to the right whenever π < ½) makes the normal tail too thin, never too fat, so no pair that
the exact test flags is skipped unless its items are dominated by one distractor (π well above ½).

Model assumption: a wrong candidate's choice among the wrong responses does not depend on who they are. If
strong candidates favour one distractor, honest pairs of strong candidates agree more than the model says;
the screening is a prompt to look at seats and answer sheets, never a finding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

CHUNK = 1024
MARGIN = 1.0


@dataclass(frozen=True)
class Pair:
    a: int
    b: int
    identical_wrong: int
    expected: float
    p: float


@dataclass
class Screening:
    n: int
    pairs_tested: int
    alpha: float
    flagged: list[Pair]
    clusters: list[list[int]]


def _wrong_one_hot(codes: np.ndarray, keys: np.ndarray, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                                         np.ndarray]:
    """One-hot of wrong responses (n × Σ categories), the wrong indicator (n × k) and π per item."""
    n, k = codes.shape
    wrong = (codes != keys[None, :]) & (keys[None, :] >= 0) & (codes >= 0) & (codes != blank[None, :])
    blocks, pis = [], np.zeros(k)
    for t in range(k):
        column = np.where(wrong[:, t], codes[:, t], -1)
        cats = np.unique(column[column >= 0])
        if cats.size == 0:
            continue
        hot = (column[:, None] == cats[None, :])
        shares = hot.sum(axis=0) / wrong[:, t].sum()
        pis[t] = float((shares ** 2).sum())
        blocks.append(hot)
    one_hot = np.concatenate(blocks, axis=1).astype(np.float32) if blocks else np.zeros((n, 0), np.float32)
    return one_hot, wrong, pis


def upper_tail(pis: np.ndarray, x: int) -> float:
    """P(X ≥ x) for X Poisson-binomial with success probabilities ``pis`` (exact, by convolution)."""
    dist = np.ones(1)
    for q in pis:
        dist = np.append(dist * (1 - q), 0.0) + np.append(0.0, dist * q)
    return float(dist[x:].sum()) if x < len(dist) else 0.0


def screen(codes: np.ndarray, keys: np.ndarray, blank: np.ndarray | None = None, *,
           alpha: float = 0.05) -> Screening:
    """``codes``: n × k response categories (−1: not an objective item), ``keys``: the key's category per item
    (−1: not scored), ``blank``: the "no response" category per item (never counted as wrong)."""
    if not 0 < alpha < 0.5:
        raise ValueError("alpha must be between 0 and 0.5")
    codes = np.asarray(codes)
    n, k = codes.shape
    pairs_tested = n * (n - 1) // 2
    if n < 2:
        return Screening(n=n, pairs_tested=0, alpha=alpha, flagged=[], clusters=[])
    keys = np.asarray(keys)
    blank = np.full(k, -2) if blank is None else np.asarray(blank)
    one_hot, wrong, pis = _wrong_one_hot(codes, keys, blank)
    w = wrong.astype(np.float32)
    w_mean, w_var = w * pis.astype(np.float32), w * (pis * (1 - pis)).astype(np.float32)
    cut = alpha / pairs_tested
    z_pre = float(-ndtri(cut)) - MARGIN  # the normal quantile of the Bonferroni cut
    flagged = []
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        x = one_hot[start:stop] @ one_hot.T
        mean = w_mean[start:stop] @ w.T
        var = w_var[start:stop] @ w.T
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(var > 0, (x - 0.5 - mean) / np.sqrt(np.where(var > 0, var, 1)), 0)
        upper = np.arange(n)[None, :] > np.arange(start, stop)[:, None]
        for r, b in zip(*np.nonzero(upper & (x >= 1) & (z >= z_pre)), strict=True):
            a = start + int(r)
            identical = round(float(x[r, b]))
            p = upper_tail(pis[wrong[a] & wrong[b]], identical)
            if p <= cut:
                flagged.append(Pair(a, int(b), identical, float(mean[r, b]), p))
    flagged.sort(key=lambda q: (q.p, q.a, q.b))
    return Screening(n=n, pairs_tested=pairs_tested, alpha=alpha, flagged=flagged, clusters=clusters(flagged))


def clusters(pairs: list[Pair]) -> list[list[int]]:
    """Connected groups of flagged candidates, largest first."""
    parent: dict[int, int] = {}

    def root(v: int) -> int:
        parent.setdefault(v, v)
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for q in pairs:
        parent[root(q.a)] = root(q.b)
    groups: dict[int, list[int]] = {}
    for v in parent:
        groups.setdefault(root(v), []).append(v)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g))
