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
import math
import random
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import highspy
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix


class InputError(ValueError):
    """The bank or the plan is malformed; ``messages`` name each field or item at fault (in Chinese)."""

    def __init__(self, messages: list[str]):
        super().__init__("；".join(messages))
        self.messages = messages


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: Any, *, low: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def check_input(bank: Any, plan: Any) -> list[str]:
    """Every reason the engine cannot read ``bank`` and ``plan`` (docs/assembly.md), each naming its field or
    item; empty when both are well formed. An item id given twice is refused: the engine would otherwise treat
    the two entries as two items and could put the same item twice in a form or into two forms."""
    problems: list[str] = []
    items = bank.get("items") if isinstance(bank, dict) else None
    if not isinstance(items, list):
        return ["题库文件：应为 {\"items\": [...]}，items 必须是列表"] + (
            [] if isinstance(plan, dict) else ["组卷方案：应为 JSON 对象"])
    seen: dict[str, int] = {}
    for n, it in enumerate(items):
        where = f"items[{n}]"
        if not isinstance(it, dict):
            problems.append(f"{where}：应为对象")
            continue
        if it.get("id") in (None, "") or not isinstance(it.get("id"), (str, int)) or isinstance(it.get("id"), bool):
            problems.append(f"{where}.id：缺少试题编号")
        else:
            key = str(it["id"])
            if key in seen:
                problems.append(f"{where}.id：试题编号 {key} 与 items[{seen[key]}] 重复（同一试题只能出现一次）")
            else:
                seen[key] = n
        if not isinstance(it.get("type"), str) or not it.get("type"):
            problems.append(f"{where}.type：缺少题型")
        if "element" not in it or it["element"] is None:
            problems.append(f"{where}.element：缺少认定要素编码")
        if not _number(it.get("difficulty")):
            problems.append(f"{where}.difficulty：难度应为数字，收到 {it.get('difficulty')!r}")
        if it.get("discrimination") is not None and not _number(it.get("discrimination")):
            problems.append(f"{where}.discrimination：区分度应为数字，收到 {it.get('discrimination')!r}")
    if not isinstance(plan, dict):
        return [*problems, "组卷方案：应为 JSON 对象"]
    if "length" not in plan:
        problems.append("length：缺少每卷题量")
    elif not _whole(plan["length"], low=1):
        problems.append(f"length：每卷题量应为正整数，收到 {plan['length']!r}")
    if "forms" in plan and not _whole(plan["forms"], low=1):
        problems.append(f"forms：卷数应为正整数，收到 {plan['forms']!r}")
    types = plan.get("types") or {}
    if not isinstance(types, dict):
        problems.append("types：应为 {题型: 题数} 对象")
    else:
        problems += [f"types.{k}：题数应为不小于 0 的整数，收到 {v!r}" for k, v in types.items() if not _whole(v)]
    for key in ("elements", "difficulty_bands"):
        rows = plan.get(key) or []
        if not isinstance(rows, list):
            problems.append(f"{key}：应为列表")
            continue
        for n, row in enumerate(rows):
            where = f"{key}[{n}]"
            if not isinstance(row, dict):
                problems.append(f"{where}：应为对象")
                continue
            if key == "elements" and not isinstance(row.get("prefix"), str):
                problems.append(f"{where}.prefix：缺少认定要素编码前缀")
            if key == "difficulty_bands":
                problems += [f"{where}.{b}：应为数字，收到 {row.get(b)!r}" for b in ("low", "high")
                             if not _number(row.get(b))]
            problems += [f"{where}.{b}：题数应为不小于 0 的整数，收到 {row[b]!r}" for b in ("min", "max")
                         if b in row and not _whole(row[b])]
    window = plan.get("mean_difficulty")
    if window is not None:
        if not isinstance(window, dict):
            problems.append("mean_difficulty：应为 {\"min\": 数字, \"max\": 数字}")
        else:
            problems += [f"mean_difficulty.{b}：应为数字，收到 {window.get(b)!r}" for b in ("min", "max")
                         if not _number(window.get(b))]
    return problems


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


@dataclass
class Model:
    """The MIP in arrays: maximise c·x subject to lo ≤ A x ≤ hi, lb ≤ x ≤ ub, integrality (1 = integer)."""

    c: np.ndarray
    A: csr_matrix
    lo: np.ndarray
    hi: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integrality: np.ndarray
    n: int
    forms: int


def _triplets(rows: list[Row], n: int, forms: int, first_row: int = 0):
    """Coefficients of every plan row repeated per form, as COO arrays (row, column, value) and bounds."""
    rr, cc, vv, lo, hi = [], [], [], [], []
    r = first_row
    for f in range(forms):
        for row in rows:
            idx = np.asarray(row.items, dtype=np.int64)
            rr.append(np.full(idx.size, r, dtype=np.int64))
            cc.append(f * n + idx)
            vv.append(np.asarray(row.weights, dtype=float) if row.weights else np.ones(idx.size))
            lo.append(row.low)
            hi.append(row.high)
            r += 1
    return rr, cc, vv, lo, hi, r


def _disjoint_csr(parts, n: int, forms: int, shape_cols: int):
    """Append Σ_f x[i,f] ≤ 1 (one row per item, forms share no item) and return the CSR matrix and bounds."""
    rr, cc, vv, lo, hi, r = parts
    i = np.arange(n, dtype=np.int64)
    rr.append(np.tile(r + i, forms))
    cc.append((np.arange(forms, dtype=np.int64)[:, None] * n + i[None, :]).ravel())
    vv.append(np.ones(n * forms))
    lo, hi = np.r_[np.array(lo, dtype=float), np.zeros(n)], np.r_[np.array(hi, dtype=float), np.ones(n)]
    A = coo_matrix((np.concatenate(vv), (np.concatenate(rr), np.concatenate(cc))), shape=(r + n, shape_cols))
    return A.tocsr(), lo, hi


def build(items: list[dict], rows: list[Row], forms: int) -> Model:
    """The maximin model: x[i,f] at column f·n+i, t (the weakest form's discrimination) last."""
    n = len(items)
    nx = n * forms
    a = np.array([float(it.get("discrimination") or 0.0) for it in items])
    rr, cc, vv, lo, hi, r = _triplets(rows, n, forms)
    for f in range(forms):  # t − Σ a_i x[i,f] ≤ 0
        rr += [np.full(n + 1, r, dtype=np.int64)]
        cc += [np.r_[f * n + np.arange(n, dtype=np.int64), nx]]
        vv += [np.r_[-a, 1.0]]
        lo.append(-np.inf)
        hi.append(0.0)
        r += 1
    A, lo, hi = _disjoint_csr((rr, cc, vv, lo, hi, r), n, forms, nx + 1)
    c = np.zeros(nx + 1)
    c[nx] = 1.0
    integrality = np.r_[np.ones(nx), 0.0]
    return Model(c, A, lo, hi, np.zeros(nx + 1),
                 np.r_[np.ones(nx), max(float(a.sum()), 0.0)], integrality, n, forms)


def solve_highs(model: Model, *, time_limit: float, seed: int = 0, on_improve=None):
    """Solve with HiGHS through highspy; ``on_improve(seconds, objective)`` hears every improving solution.
    Returns (x or None, "optimal" | "feasible" | "infeasible", objective, bound)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", 1)
    # item statistics carry two decimals, so many forms tie: proving the last 0.01 % takes most of the time
    # for nothing a bank manager could see. "optimal" therefore means within 0.1 % of the proven bound.
    h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    lp = highspy.HighsLp()
    A = model.A.tocsc()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = model.c, model.lb, model.ub
    lp.row_lower_, lp.row_upper_ = model.lo, model.hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = A.shape[1], A.shape[0]
    lp.integrality_ = [highspy.HighsVarType.kInteger if v else highspy.HighsVarType.kContinuous
                       for v in model.integrality]
    lp.sense_ = highspy.ObjSense.kMaximize
    h.passModel(lp)
    if on_improve is not None:
        started = time.perf_counter()
        h.cbMipImprovingSolution.subscribe(
            lambda e: on_improve(time.perf_counter() - started, float(e.data_out.objective_function_value)))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return None, "infeasible", None, None
    x = np.asarray(h.getSolution().col_value)
    bound = float(info.mip_dual_bound)
    return (x, "optimal" if status == highspy.HighsModelStatus.kOptimal else "feasible",
            float(info.objective_function_value), bound if np.isfinite(bound) else None)


def prepare(bank: dict, plan: dict, seed: int = 0) -> tuple[list[dict], list[Row], int]:
    """Items offered to the solver (excluded ones dropped, order shuffled by ``seed``), plan rows, forms."""
    items = [it for it in bank["items"] if not it.get("exclude")]
    random.Random(seed).shuffle(items)
    return items, _rows(items, plan), int(plan.get("forms", 1))


def assemble(bank: dict, plan: dict, *, time_limit: float = 20.0, seed: int = 0, on_improve=None) -> Result:
    """Solve the plan over the bank; ``seed`` fixes the order items are offered to the solver and HiGHS's
    random seed, so the same bank, plan and seed give the same forms."""
    start = time.perf_counter()
    problems = check_input(bank, plan)
    if problems:
        raise InputError(problems)
    items, rows, forms = prepare(bank, plan, seed)
    contradictory = [{"row": row.name, "shortfall": None, "message": f"{row.label}：下限大于上限，计划本身矛盾"}
                     for row in rows if row.low > row.high]
    if contradictory:
        return Result(status="infeasible", diagnosis=contradictory, seconds=time.perf_counter() - start)
    result = Result(status="infeasible")
    pool = _pool(items, rows, forms)
    if pool is not None:  # a large bank: solve over the items that can matter first
        sub = [items[i] for i in pool]
        _solve_into(result, sub, _rows(sub, plan), forms, time_limit=time_limit, seed=seed, on_improve=on_improve)
        if result.forms:  # optimal over the pool only: no proven bound for the whole bank
            result.status, result.bound = "feasible", None
    if not result.forms:
        remaining = max(1.0, time_limit - (time.perf_counter() - start))
        _solve_into(result, items, rows, forms, time_limit=remaining, seed=seed, on_improve=on_improve)
    if not result.forms:
        result.diagnosis = diagnose(items, plan, rows, forms, time_limit=max(1.0, time_limit / 4))
    result.seconds = time.perf_counter() - start
    return result


def _solve_into(result: Result, items: list[dict], rows: list[Row], forms: int, **options) -> None:
    n = len(items)
    x, status, _objective, bound = solve_highs(build(items, rows, forms), **options)
    result.status = status
    if x is None:
        return
    a = np.array([float(it.get("discrimination") or 0.0) for it in items])
    chosen = x[: n * forms].reshape(forms, n) > 0.5
    result.forms = [sorted(items[i]["id"] for i in np.flatnonzero(chosen[f])) for f in range(forms)]
    result.objective = round(float(min(a[chosen[f]].sum() for f in range(forms))), 6)
    result.bound = round(bound, 6) if bound is not None else None


POOL_MIN_ITEMS = 5000
MIP_REL_GAP = 1e-3


def _pool(items: list[dict], rows: list[Row], forms: int) -> list[int] | None:
    """For a large bank, the items worth offering to the solver. Items that belong to exactly the same plan
    rows (type, element rows, difficulty band) are interchangeable for every count constraint, and such a
    cell can give a form at most the smallest ``high`` of its rows; so the best ``forms × that`` items of a
    cell by discrimination, plus a margin for enemy groups and the mean-difficulty window, hold an optimal
    solution of the count constraints. Returns None when the bank is small or pooling would not shrink it."""
    n = len(items)
    if n < POOL_MIN_ITEMS:
        return None
    counted = [row for row in rows if not row.weights and not row.name.startswith("enemies.")]
    cap = np.full(n, float(max((row.high for row in counted), default=n)))
    keys: list[list[int]] = [[] for _ in range(n)]
    for k, row in enumerate(counted):
        for i in row.items:
            keys[i].append(k)
            cap[i] = min(cap[i], row.high)
    cells: dict[tuple, list[int]] = {}
    for i in range(n):
        cells.setdefault(tuple(keys[i]), []).append(i)
    keep: list[int] = []
    for members in cells.values():
        quota = int(forms * cap[members[0]] + 2 * forms)
        members.sort(key=lambda i: -float(items[i].get("discrimination") or 0.0))
        keep.extend(members[:quota])
    if len(keep) > n // 2:
        return None
    return sorted(keep)


def diagnose(items: list[dict], plan: dict, rows: list[Row], forms: int, *, time_limit: float) -> list[dict]:
    """Minimal elastic slack: every row may fall short (or over) by a slack, the total slack is minimised;
    the rows that still need slack are the ones the bank cannot satisfy, with the number of items missing."""
    n = len(items)
    nx = n * forms
    flex = [k for k, row in enumerate(rows) if not row.name.startswith("enemies.")]
    flex_pos = {k: j for j, k in enumerate(flex)}
    ns = 2 * len(flex) * forms  # under and over slack per row per form
    rr, cc, vv, lo, hi, r = _triplets(rows, n, forms)
    slack_of: dict[tuple[int, int], int] = {}
    for f in range(forms):
        for k in flex:
            row_no = f * len(rows) + k
            s = nx + 2 * (flex_pos[k] * forms + f)
            rr.append(np.array([row_no, row_no], dtype=np.int64))
            cc.append(np.array([s, s + 1], dtype=np.int64))
            vv.append(np.array([1.0, -1.0]))  # + under − over
            slack_of[(k, f)] = s
    A, lo, hi = _disjoint_csr((rr, cc, vv, lo, hi, r), n, forms, nx + ns)
    c = np.zeros(nx + ns)
    for (k, _f), s in slack_of.items():
        c[s] = c[s + 1] = _slack_cost(rows[k], int(plan["length"]))
    integrality = np.r_[np.ones(nx), np.zeros(ns)]
    res = milp(c, constraints=LinearConstraint(A, lo, hi),
               integrality=integrality,
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


def check_form(form_items: list[dict], plan: dict) -> list[str]:
    """The plan rows one form breaks (labels, in Chinese); empty when the form meets every row. Used to
    check a manual swap and to tell which replacements keep every constraint."""
    rows = _rows(form_items, plan)
    broken = []
    for row in rows:
        if row.weights:
            total = sum(row.weights[k] for k in range(len(row.items)))
        else:
            total = len(row.items)
        if total < row.low - 1e-9 or total > row.high + 1e-9:
            broken.append(row.label)
    return broken


def _slack_cost(row: Row, length: int) -> float:
    """Slack on the paper's structure (length, type counts) costs double, so the blame falls on the content
    rows first; among content rows a slightly lower cost for rows asking for more items breaks ties towards
    the row that asks for too much rather than spreading one shortage over its neighbours."""
    if row.name == "length" or row.name.startswith("types."):
        return 2.0
    return 1.0 + 1e-3 * (1.0 - min(max(row.low, 0.0), length) / max(length, 1))


def _load(path: str, option: str) -> Any:
    """A JSON file named on the command line; an unreadable or malformed one is an InputError naming it."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise InputError([f"{option} {path}：无法读取（{exc.strerror}）"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError([f"{option} {path}：不是 UTF-8 编码的 JSON（{exc}）"]) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="skillcert-assemble",
                                     description="Assemble parallel paper forms from an item bank (JSON in, JSON out).")
    parser.add_argument("--bank", required=True, help="bank.json: {\"items\": [...]}")
    parser.add_argument("--plan", required=True, help="plan.json: forms, length, types, elements, bands, mean")
    parser.add_argument("--out", required=True, help="forms.json to write")
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="reproducible item order (default 0)")
    args = parser.parse_args(argv)
    try:
        bank, plan = _load(args.bank, "--bank"), _load(args.plan, "--plan")
        result = assemble(bank, plan, time_limit=args.time_limit, seed=args.seed)
    except InputError as exc:
        for message in exc.messages:
            print(f"skillcert-assemble: {message}", file=sys.stderr)
        return 2
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result.as_json(), fh, ensure_ascii=False, indent=1)
    print(f"{result.status}: objective {result.objective}, {result.seconds:.2f} s", file=sys.stderr)
    return 0 if result.status != "infeasible" else 2


if __name__ == "__main__":
    raise SystemExit(main())
