"""skillcert-assemble refuses malformed input with a message naming the field, exit code 2 (issue #20 item 17;
§6.3.2.1 试题从题库中提取: one item is never drawn twice). The engine refuses the same input when the console's
service calls it, and the service never writes a paper holding one item twice."""

from __future__ import annotations

import json

import pytest

from skillcert.papers.assembly import InputError, assemble, check_input, main


def small_bank(n: int = 12) -> dict:
    return {"items": [{"id": f"T{i:03d}", "type": "single", "element": "A.01.01", "difficulty": 0.5 + i / 100,
                       "discrimination": 0.3} for i in range(n)]}


PLAN = {"forms": 2, "length": 3, "types": {"single": 3}}


def run_cli(tmp_path, bank, plan, capsys) -> tuple[int, str, bool]:
    (tmp_path / "bank.json").write_text(json.dumps(bank), encoding="utf-8")
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    out = tmp_path / "forms.json"
    code = main(["--bank", str(tmp_path / "bank.json"), "--plan", str(tmp_path / "plan.json"), "--out", str(out),
                 "--time-limit", "5"])
    return code, capsys.readouterr().err, out.exists()


@pytest.mark.parametrize(("change", "field"), [
    (lambda b, p: b["items"].append(dict(b["items"][0])), "items[12].id"),     # a duplicate id
    (lambda b, p: p.pop("length"), "length"),                                    # missing length
    (lambda b, p: b["items"][3].update(difficulty="难"), "items[3].difficulty"),  # a text difficulty
    (lambda b, p: p.update(forms=0), "forms"),                                   # forms: 0
    (lambda b, p: p.update(length="3"), "length"),
    (lambda b, p: p.update(types={"single": -1}), "types.single"),
    (lambda b, p: b["items"][0].pop("type"), "items[0].type"),
    (lambda b, p: p.update(difficulty_bands=[{"low": "x", "high": 1}]), "difficulty_bands[0].low"),
    (lambda b, p: p.update(mean_difficulty={"min": 0.4}), "mean_difficulty.max"),
])
def test_bad_input_exits_2_naming_the_field(tmp_path, capsys, change, field):
    bank, plan = small_bank(), json.loads(json.dumps(PLAN))
    change(bank, plan)
    code, err, written = run_cli(tmp_path, bank, plan, capsys)
    assert code == 2
    assert f"skillcert-assemble: {field}：" in err
    assert "Traceback" not in err
    assert written is False


def test_a_duplicate_id_is_refused_by_the_engine_itself():
    bank = small_bank()
    bank["items"].append(dict(bank["items"][5]))
    with pytest.raises(InputError) as exc:
        assemble(bank, PLAN, time_limit=5)
    assert exc.value.messages == ["items[12].id：试题编号 T005 与 items[5] 重复（同一试题只能出现一次）"]


def test_unreadable_and_malformed_files_exit_2(tmp_path, capsys):
    (tmp_path / "plan.json").write_text(json.dumps(PLAN), encoding="utf-8")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    cases = ((tmp_path / "missing.json", "无法读取"), (tmp_path / "bad.json", "不是 UTF-8 编码的 JSON"))
    for bank_path, words in cases:
        code = main(["--bank", str(bank_path), "--plan", str(tmp_path / "plan.json"), "--out", str(tmp_path / "o")])
        err = capsys.readouterr().err
        assert code == 2
        assert f"--bank {bank_path}：{words}" in err


def test_a_bank_that_is_not_an_object_is_named():
    assert check_input([], PLAN) == ["题库文件：应为 {\"items\": [...]}，items 必须是列表"]


def test_well_formed_input_still_assembles_disjoint_forms(tmp_path, capsys):
    code, _err, written = run_cli(tmp_path, small_bank(), PLAN, capsys)
    forms = json.loads((tmp_path / "forms.json").read_text(encoding="utf-8"))["forms"]
    assert code == 0 and written
    assert len(forms) == 2
    used = [i for f in forms for i in f]
    assert len(used) == len(set(used)) == 6
