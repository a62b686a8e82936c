"""Grading benchmark (issue #8): item analysis and answer similarity screening on response matrices.

analysis    grading.analysis.analyse() for 5,000 candidates × 100 items with option analysis (difficulty,
            corrected point-biserial, per-option rates, point-biserials and 27 % groups, KR-20, SEM).
            Target ≤ 0.5 s. Floor: one plain numpy pass over the same score matrix (column means and
            variances, row totals).
similarity  grading.similarity.screen() over all pairs of 10,000 candidates × 100 items (49,995,000 pairs,
            Bonferroni). Target ≤ 30 s. Floor: the same all-pairs count of identical answers as one plain
            numpy product of the one-hot response matrix with itself, in the same row chunks.

Each figure is printed next to its floor, measured in this run, and their ratio. Pure numpy/scipy: no
database. (Scoring 10,000 attempts on PostgreSQL is measured once the scoring service exists.)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")

import django

django.setup()

from skillcert.grading.analysis import analyse  # noqa: E402
from skillcert.grading.similarity import CHUNK, screen  # noqa: E402

ITEMS = 100
OPTIONS = 4


def responses(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n candidates × ITEMS four-option items, answered by a logistic model (ability − difficulty)."""
    theta, b = rng.normal(0, 1, n), rng.normal(0, 1, ITEMS)
    keys = rng.integers(0, OPTIONS, ITEMS)
    right = rng.random((n, ITEMS)) < 1 / (1 + np.exp(b[None, :] - theta[:, None]))
    wrong = (keys[None, :] + rng.integers(1, OPTIONS, (n, ITEMS))) % OPTIONS
    return np.where(right, keys[None, :], wrong).astype(np.int16), keys


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, figure: float, floor: float, limit: float) -> bool:
    ok = figure <= limit
    print(f"{name:<11} {figure:8.3f} s   floor {floor:8.3f} s   ratio {figure / floor:6.1f}   "
          f"(target ≤ {limit:g} s) {'OK' if ok else 'OVER'}")
    return ok


def main() -> int:
    rng = np.random.default_rng(8)
    codes, keys = responses(5000, rng)
    scores = (codes == keys[None, :]).astype(np.float64)
    labels = [[str(o) for o in range(OPTIONS)]] * ITEMS
    key_labels = [str(k) for k in keys]

    def floor_analysis():
        scores.mean(axis=0), scores.var(axis=0), scores.sum(axis=1)

    t_floor = best_of(5, floor_analysis)
    t_analysis = best_of(3, lambda: analyse(scores, np.ones(ITEMS), codes=codes, labels=labels, keys=key_labels))
    ok = report("analysis", t_analysis, t_floor, 0.5)

    codes, keys = responses(10000, rng)
    one_hot = (codes[:, :, None] == np.arange(OPTIONS)[None, None, :]).reshape(len(codes), -1).astype(np.float32)

    def floor_similarity():
        for start in range(0, len(one_hot), CHUNK):
            one_hot[start:start + CHUNK] @ one_hot.T

    t_floor = best_of(1, floor_similarity)
    start = time.perf_counter()
    result = screen(codes, keys, alpha=0.05)
    t_screen = time.perf_counter() - start
    ok &= report("similarity", t_screen, t_floor, 30)
    print(f"({result.pairs_tested:,} pairs, {len(result.flagged)} flagged of honest simulated candidates at "
          f"Bonferroni α = 0.05)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
