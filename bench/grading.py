"""Grading benchmark (issue #8): scoring on PostgreSQL, item analysis and answer similarity screening.

scoring     grading.services.score_session() for BENCH_ATTEMPTS (10,000) submitted computer-based attempts of a
            100-item paper (60 single, 20 multiple, 20 judgement): open the sealed key, read 1,000,000 saved
            answers, score every item, write 10,000 scores, audit. Target ≤ 60 s. Floor: one plain read of the
            same answer rows and a numpy comparison with the key. Needs PostgreSQL (a scratch database is
            created and dropped; BENCH_DATABASE_URL names another); skipped with a reason without one.

analysis    grading.analysis.analyse() for 5,000 candidates × 100 items with option analysis (difficulty,
            corrected point-biserial, per-option rates, point-biserials and 27 % groups, KR-20, SEM).
            Target ≤ 0.5 s. Floor: one plain numpy pass over the same score matrix (column means and
            variances, row totals).
similarity  grading.similarity.screen() over all pairs of 10,000 candidates × 100 items (49,995,000 pairs,
            Bonferroni). Target ≤ 30 s. Floor: the same all-pairs count of identical answers as one plain
            numpy product of the one-hot response matrix with itself, in the same row chunks.

Each figure is printed next to its floor, measured in this run, and their ratio.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from _pg import drop_scratch, scratch_database

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = "skillcert_bench_grading"
ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "10000"))
PLAN = {"forms": 2, "length": 100, "types": {"single": 60, "multiple": 20, "judge": 20},
        "points": {"single": "1", "multiple": "1.5", "judge": "0.5"}, "elements": [], "difficulty_bands": [],
        "mean_difficulty": {"min": 0, "max": 1}, "exclude_recent": 0, "time_limit": 60, "seed": 3}

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


def sat_paper(rng: np.random.Generator):
    """Setup, not measured: ATTEMPTS candidates sat the paper and submitted; their answers are in the database
    (a logistic model of ability and difficulty picks right or wrong answers)."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    sys.path.insert(0, str(ROOT))
    from tests.delivery.conftest import make_exam_day

    from skillcert.delivery import services as delivery
    from skillcert.delivery.enums import AttemptStatus
    from skillcert.delivery.models import Attempt
    from skillcert.papers import services as papers

    t = time.perf_counter()
    day = make_exam_day(ATTEMPTS, room_size=30, plan=PLAN, theory_items=520, duration=120)
    Attempt.objects.filter(sitting__session=day.session).update(status=AttemptStatus.CHECKED_IN)
    for sitting in day.sittings:
        delivery.room_start(actor=day.chief, sitting_id=sitting.pk)
    day.paper.refresh_from_db()
    key = papers.open_key_for_grading(actor=day.officer, paper=day.paper)["forms"][0]["items"]
    now = timezone.now()
    ids = list(Attempt.objects.filter(sitting__session=day.session).order_by("pk").values_list("pk", flat=True))
    Attempt.objects.filter(pk__in=ids).update(status=AttemptStatus.SUBMITTED, started_at=now - dt.timedelta(hours=1),
                                              submitted_at=now, submitted_how="candidate")
    theta, b = rng.normal(0, 1, len(ids)), rng.normal(0, 1, len(key))
    right = rng.random((len(ids), len(key))) < 1 / (1 + np.exp(b[None, :] - theta[:, None]))
    with connection.cursor() as cur, cur.copy(
            "COPY delivery_answer (attempt_id, position, value, seq, saved_at) FROM STDIN") as copy:
        for i, aid in enumerate(ids):
            for j, it in enumerate(key):
                answer = it["answer"]
                if it["type"] == "multiple":
                    value = list(answer) if right[i, j] else [answer[0]]
                elif it["type"] == "judge":
                    value = answer if right[i, j] else ("F" if answer == "T" else "T")
                else:
                    value = answer if right[i, j] else ("A" if answer != "A" else "B")
                copy.write_row((aid, it["position"], json.dumps(value), j + 1, now))
    print(f"setup: {len(ids)} submitted attempts × {len(key)} items ({time.perf_counter() - t:.0f} s, not measured)",
          flush=True)
    return day, key


def scoring(rng: np.random.Generator) -> bool:
    from django.db import connection

    from skillcert.grading import services as grading
    from skillcert.grading.scoring import MultipleRule

    day, key = sat_paper(rng)

    def floor():
        with connection.cursor() as cur:
            cur.execute("SELECT attempt_id, position, value FROM delivery_answer ORDER BY attempt_id, position")
            rows = cur.fetchall()
        given = np.array([r[2] for r in rows], dtype=object).reshape(-1, len(key))
        expected = np.array([json.dumps(list(it["answer"]) if it["type"] == "multiple" else it["answer"])
                             for it in key], dtype=object)
        return (given == expected[None, :]).sum()

    t_floor = best_of(1, floor)
    start = time.perf_counter()
    run = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk,
                                multiple_rule=MultipleRule.HALF)
    t_score = time.perf_counter() - start
    ok = report("scoring", t_score, t_floor, 60)
    print(f"({run.attempts:,} attempts × {len(key)} items scored, database: {connection.vendor})")
    return ok


def main() -> int:
    rng = np.random.default_rng(8)
    postgres = scratch_database(SCRATCH) is not None
    import _django  # noqa: F401  (Django on the scratch database, or a throw-away SQLite one)

    ok = True
    if postgres:
        from django.core.management import call_command
        from django.db import connection

        try:
            call_command("migrate", verbosity=0)
            ok = scoring(rng)
        finally:
            connection.close()
            drop_scratch(SCRATCH)
    else:
        print("scoring     skipped: it is measured on PostgreSQL")
    from skillcert.grading.analysis import analyse
    from skillcert.grading.similarity import CHUNK, screen

    codes, keys = responses(5000, rng)
    scores = (codes == keys[None, :]).astype(np.float64)
    labels = [[str(o) for o in range(OPTIONS)]] * ITEMS
    key_labels = [str(k) for k in keys]

    def floor_analysis():
        scores.mean(axis=0), scores.var(axis=0), scores.sum(axis=1)

    t_floor = best_of(5, floor_analysis)
    t_analysis = best_of(3, lambda: analyse(scores, np.ones(ITEMS), codes=codes, labels=labels, keys=key_labels))
    ok &= report("analysis", t_analysis, t_floor, 0.5)

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
