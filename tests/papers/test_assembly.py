"""The assembly engine (§6.3.2.1, §7.2.2.6): every form meets every plan row, forms share no item, infeasible
plans name the row that cannot be met. No database needed."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillcert.papers.assembly import assemble, main

UNITS = ["A.01", "A.02", "B.01", "B.02"]


def bank(seed: int, n: int = 240) -> dict:
    rng = random.Random(seed)
    return {"items": [{"id": f"T{i:05d}", "type": rng.choice(["single", "single", "multiple", "judge"]),
                       "element": f"{rng.choice(UNITS)}.0{rng.randint(1, 3)}",
                       "difficulty": round(rng.uniform(0.2, 0.95), 3),
                       "discrimination": round(rng.uniform(0.1, 0.6), 3),
                       "enemies": [f"EG{rng.randint(1, 30)}"] if rng.random() < 0.3 else [],
                       "exclude": rng.random() < 0.05} for i in range(n)]}


def plan(forms: int = 2, length: int = 20) -> dict:
    return {"forms": forms, "length": length, "types": {"single": length // 2, "multiple": length // 4,
                                                         "judge": length - length // 2 - length // 4},
            "elements": [{"prefix": u, "min": 3, "max": 8} for u in UNITS],
            "difficulty_bands": [{"low": 0.0, "high": 0.5, "min": 2, "max": 10}, {"low": 0.5, "high": 1.01, "min": 5,
                                                                                 "max": 18}],
            "mean_difficulty": {"min": 0.5, "max": 0.7}}


def check(b: dict, p: dict, forms: list[list[str]]) -> None:
    by_id = {it["id"]: it for it in b["items"]}
    used = [i for f in forms for i in f]
    assert len(used) == len(set(used)), "forms share an item"
    for form in forms:
        chosen = [by_id[i] for i in form]
        assert len(chosen) == p["length"] and not any(it.get("exclude") for it in chosen)
        for kind, count in p["types"].items():
            assert sum(it["type"] == kind for it in chosen) == count
        for row in p["elements"]:
            assert row["min"] <= sum(it["element"].startswith(row["prefix"]) for it in chosen) <= row["max"]
        for band in p["difficulty_bands"]:
            assert band["min"] <= sum(band["low"] <= it["difficulty"] < band["high"] for it in chosen) <= band["max"]
        mean = sum(it["difficulty"] for it in chosen) / len(chosen)
        assert p["mean_difficulty"]["min"] - 1e-9 <= mean <= p["mean_difficulty"]["max"] + 1e-9
        groups = [g for it in chosen for g in it.get("enemies") or []]
        assert len(groups) == len(set(groups)), "two items of one enemy group in a form"


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), forms=st.integers(1, 3))
def test_every_form_meets_every_row_and_forms_never_overlap(seed, forms):
    b, p = bank(seed), plan(forms)
    result = assemble(b, p, time_limit=10, seed=seed)
    assert result.status in ("optimal", "feasible")
    check(b, p, result.forms)
    assert result.objective == pytest.approx(min(sum(
        next(it["discrimination"] for it in b["items"] if it["id"] == i) for i in f) for f in result.forms), abs=1e-4)


def test_same_seed_same_forms():
    b, p = bank(3), plan(2)
    assert assemble(b, p, seed=5).forms == assemble(b, p, seed=5).forms


def test_an_element_the_bank_cannot_supply_is_named_with_the_missing_count():
    items = [{"id": f"T{i:04d}", "type": "single", "element": f"{UNITS[i % 4]}.01", "difficulty": 0.6,
              "discrimination": 0.3} for i in range(200)]
    p = {"forms": 3, "length": 20, "types": {"single": 20}, "elements": [{"prefix": "A.01", "min": 20, "max": 20}]}
    result = assemble({"items": items}, p, time_limit=5)
    assert result.status == "infeasible" and result.forms == []
    assert [(d["row"], d["shortfall"]) for d in result.diagnosis] == [("elements[0]", 10)]
    assert "题库中只有 50 题" in result.diagnosis[0]["message"]


def test_a_contradictory_plan_row_is_named():
    p = plan(1)
    p["elements"][1].update(min=9, max=4)
    result = assemble(bank(1), p)
    assert result.status == "infeasible" and result.diagnosis[0]["row"] == "elements[1]"


def test_the_command_reads_and_writes_json(tmp_path):
    (tmp_path / "bank.json").write_text(json.dumps(bank(2)), encoding="utf-8")
    (tmp_path / "plan.json").write_text(json.dumps(plan(2)), encoding="utf-8")
    code = main(["--bank", str(tmp_path / "bank.json"), "--plan", str(tmp_path / "plan.json"),
                 "--out", str(tmp_path / "forms.json"), "--time-limit", "10", "--seed", "1"])
    out = json.loads((tmp_path / "forms.json").read_text(encoding="utf-8"))
    assert code == 0 and out["status"] in ("optimal", "feasible") and len(out["forms"]) == 2
