"""Automated paper assembly (§6.3.2.1 试题从题库中提取, §7.2.2.6 根据细目表组卷): a mixed-integer model solved
with HiGHS (``scipy.optimize.milp``). No Django here: the console and the ``skillcert-assemble`` command
share this engine.

Model (van der Linden, *Linear Models for Optimal Test Design*): x[i,f] = 1 when item i is in form f.

    maximise  t                                        (the weakest form's total discrimination)
    subject to, for every form f:
        Σ_i a_i x[i,f] ≥ t
        Σ_i x[i,f] = length
        Σ_{i of type k} x[i,f] = types[k]
        min_r ≤ Σ_{i matching element row r} x[i,f] ≤ max_r
        min_b ≤ Σ_{i in difficulty band b} x[i,f] ≤ max_b
        length·lo ≤ Σ_i p_i x[i,f] ≤ length·hi          (mean difficulty window)
        Σ_{i in enemy group g} x[i,f] ≤ 1
    and Σ_f x[i,f] ≤ 1 (forms share no item); excluded items are fixed at 0.

When the plan cannot be met, an elastic version of the model (every min/max/equality row may be
missed by a slack variable, the total slack minimised) says which rows fall short and by how many items.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix


@dataclass
class Row:
    """One plan row, expanded per form: coefficients over items, bounds, and its name for diagnosis."""

    name: str
    label: str
    items: list[int]
    weights: list[float] | None
    low: float
    high: float


@dataclass
class Result:
    status: str
    forms: list[list[str]] = field(default_factory=list)
    objective: float | None = None
    bound: float | None = None
    seconds: float = 0.0
    diagnosis: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "forms": self.forms, "objective": self.objective, "bound": self.bound,
                "seconds": round(self.seconds, 3), "diagnosis": self.diagnosis}


def _rows(items: list[dict], plan: dict) -> list[Row]:
    length = int(plan["length"])
    rows = [Row("length", f"试卷题量 {length}", list(range(len(items))), None, length, length)]
    for kind, count in (plan.get("types") or {}).items():
        rows.append(Row(f"types.{kind}", f"题型 {kind} 共 {count} 题",
                        [i for i, it in enumerate(items) if it["type"] == kind], None, count, count))
    for n, el in enumerate(plan.get("elements") or []):
        prefix = el["prefix"]
        rows.append(Row(f"elements[{n}]", f"认定范围 {prefix}（{el.get('min', 0)}–{el.get('max', length)} 题）",
                        [i for i, it in enumerate(items) if str(it["element"]).startswith(prefix)], None,
                        el.get("min", 0), el.get("max", length)))
    for n, band in enumerate(plan.get("difficulty_bands") or []):
        lo, hi = band["low"], band["high"]
        label = f"难度 {lo}–{hi} 区间（{band.get('min', 0)}–{band.get('max', length)} 题）"
        rows.append(Row(f"difficulty_bands[{n}]", label,
                        [i for i, it in enumerate(items) if lo <= it["difficulty"] < hi], None,
                        band.get("min", 0), band.get("max", length)))
    window = plan.get("mean_difficulty")
    if window:
        rows.append(Row("mean_difficulty", f"平均难度 {window['min']}–{window['max']}", list(range(len(items))),
                        [it["difficulty"] for it in items], window["min"] * length, window["max"] * length))
    groups: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        for g in it.get("enemies") or []:
            groups.setdefault(g, []).append(i)
    for g, members in sorted(groups.items()):
        if len(members) > 1:
            rows.append(Row(f"enemies.{g}", f"互斥组 {g} 每卷至多 1 题", members, None, 0, 1))
    return rows


def assemble(bank: dict, plan: dict, *, time_limit: float = 20.0, seed: int = 0) -> Result:
    """Solve the plan over the bank; ``seed`` fixes the order items are offered to the solver."""
    start = time.perf_counter()
    items = [it for it in bank["items"] if not it.get("exclude")]
    random.Random(seed).shuffle(items)
    n, forms = len(items), int(plan.get("forms", 1))
    rows = _rows(items, plan)
    contradictory = [{"row": row.name, "shortfall": None, "message": f"{row.label}：下限大于上限，计划本身矛盾"}
                     for row in rows if row.low > row.high]
    if contradictory:
        return Result(status="infeasible", diagnosis=contradictory, seconds=time.perf_counter() - start)
    nx = n * forms  # x[i,f] at f*n + i, then t
    a = np.array([float(it.get("discrimination") or 0.0) for it in items])
    cons_rows = len(rows) * forms + forms + n
    A = lil_matrix((cons_rows, nx + 1))
    lo, hi = np.zeros(cons_rows), np.zeros(cons_rows)
    r = 0
    for f in range(forms):
        for row in rows:
            for k, i in enumerate(row.items):
                A[r, f * n + i] = row.weights[k] if row.weights else 1.0
            lo[r], hi[r] = row.low, row.high
            r += 1
        for i in range(n):  # t - Σ a_i x[i,f] ≤ 0
            A[r, f * n + i] = -a[i]
        A[r, nx] = 1.0
        lo[r], hi[r] = -np.inf, 0.0
        r += 1
    for i in range(n):
        for f in range(forms):
            A[r, f * n + i] = 1.0
        lo[r], hi[r] = 0.0, 1.0
        r += 1
    c = np.zeros(nx + 1)
    c[nx] = -1.0
    integrality = np.ones(nx + 1)
    integrality[nx] = 0
    res = milp(c, constraints=LinearConstraint(A.tocsr(), lo, hi), integrality=integrality,
               bounds=Bounds(np.zeros(nx + 1), np.r_[np.ones(nx), np.inf]),
               options={"time_limit": time_limit, "presolve": True})
    result = Result(status="infeasible")
    if res.x is not None:
        x = res.x[:nx].reshape(forms, n) > 0.5
        result.forms = [sorted(items[i]["id"] for i in np.flatnonzero(x[f])) for f in range(forms)]
        result.objective = round(float(min(a[x[f]].sum() for f in range(forms))), 6)
        result.status = "optimal" if res.status == 0 else "feasible"
        bound = getattr(res, "mip_dual_bound", None)
        result.bound = round(-float(bound), 6) if bound is not None and np.isfinite(bound) else None
    else:
        result.diagnosis = diagnose(items, plan, rows, forms, time_limit=max(1.0, time_limit / 4))
    result.seconds = time.perf_counter() - start
    return result


def diagnose(items: list[dict], plan: dict, rows: list[Row], forms: int, *, time_limit: float) -> list[dict]:
    """Minimal elastic slack: every row may fall short (or over) by a slack, the total slack is minimised;
    the rows that still need slack are the ones the bank cannot satisfy, with the number of items missing."""
    n = len(items)
    nx = n * forms
    flex = [k for k, row in enumerate(rows) if not row.name.startswith("enemies.")]
    ns = 2 * len(flex) * forms  # under and over slack per row per form
    cons_rows = len(rows) * forms + n
    A = lil_matrix((cons_rows, nx + ns))
    lo, hi = np.zeros(cons_rows), np.zeros(cons_rows)
    r = 0
    slack_of: dict[tuple[int, int], int] = {}
    for f in range(forms):
        for k, row in enumerate(rows):
            for j, i in enumerate(row.items):
                A[r, f * n + i] = row.weights[j] if row.weights else 1.0
            if k in flex:
                s = nx + 2 * (flex.index(k) * forms + f)
                A[r, s], A[r, s + 1] = 1.0, -1.0  # + under − over
                slack_of[(k, f)] = s
            lo[r], hi[r] = row.low, row.high
            r += 1
    for i in range(n):
        for f in range(forms):
            A[r, f * n + i] = 1.0
        lo[r], hi[r] = 0.0, 1.0
        r += 1
    c = np.r_[np.zeros(nx), np.ones(ns)]
    integrality = np.r_[np.ones(nx), np.zeros(ns)]
    res = milp(c, constraints=LinearConstraint(A.tocsr(), lo, hi), integrality=integrality,
               bounds=Bounds(np.zeros(nx + ns), np.r_[np.ones(nx), np.full(ns, np.inf)]),
               options={"time_limit": time_limit})
    if res.x is None:
        return [{"row": "bank", "shortfall": None, "message": "题库中的试题不足以构成任何一份试卷（互斥组或题量）。"}]
    found = []
    for k in flex:
        row = rows[k]
        under = sum(res.x[slack_of[(k, f)]] for f in range(forms))  # items missing over all forms
        over = sum(res.x[slack_of[(k, f)] + 1] for f in range(forms))
        if row.weights:  # the mean-difficulty window: slack is in difficulty units, not items
            if max(under, over) > 1e-6:
                side = "偏低" if under >= over else "偏高"
                found.append({"row": row.name, "shortfall": None,
                              "message": f"{row.label}：可选试题的难度整体{side}，无法落入窗口"})
            continue
        if under > 1e-6 and under >= over:
            missing = int(np.ceil(under - 1e-6))
            supply = (f"（{forms} 份互不重复的试卷共需 {int(row.low) * forms} 题，题库中只有 {len(row.items)} 题）"
                      if len(row.items) < row.low * forms else "")
            found.append({"row": row.name, "shortfall": missing,
                          "message": f"{row.label}：{forms} 份试卷共缺 {missing} 题{supply}"})
        elif over > 1e-6:
            extra = int(np.ceil(over - 1e-6))
            found.append({"row": row.name, "shortfall": -extra,
                          "message": f"{row.label}：{forms} 份试卷共多出 {extra} 题，与其他计划行冲突"})
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="skillcert-assemble",
                                     description="Assemble parallel paper forms from an item bank (JSON in, JSON out).")
    parser.add_argument("--bank", required=True, help="bank.json: {\"items\": [...]}")
    parser.add_argument("--plan", required=True, help="plan.json: forms, length, types, elements, bands, mean")
    parser.add_argument("--out", required=True, help="forms.json to write")
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="reproducible item order (default 0)")
    args = parser.parse_args(argv)
    with open(args.bank, encoding="utf-8") as fh:
        bank = json.load(fh)
    with open(args.plan, encoding="utf-8") as fh:
        plan = json.load(fh)
    result = assemble(bank, plan, time_limit=args.time_limit, seed=args.seed)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result.as_json(), fh, ensure_ascii=False, indent=1)
    print(f"{result.status}: objective {result.objective}, {result.seconds:.2f} s", file=sys.stderr)
    return 0 if result.status != "infeasible" else 2


if __name__ == "__main__":
    raise SystemExit(main())
