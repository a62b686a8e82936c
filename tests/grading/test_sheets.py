"""Paper answer sheets (答题卡) of paper-based theory sessions: the optical-mark reader's output imported as CSV or
Excel (all or nothing, errors by row and column), or typed twice by two clerks with the mismatches listed until
someone reads the paper sheet; a sheet that counts is scored like a computer-based attempt (§6.3.3)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import Workbook

from skillcert.accounts.enums import Role
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry
from skillcert.delivery.enums import AttemptStatus
from skillcert.delivery.models import Attempt
from skillcert.grading import results, services, sheets
from skillcert.grading.models import PartState, SheetEntry
from skillcert.itembank.enums import ItemType
from skillcert.papers import services as paper_services
from tests.factories import user_with_role

from .conftest import paper_sitting

pytestmark = pytest.mark.django_db


def test_marks_are_read_as_the_player_keeps_them():
    assert sheets.normalise(ItemType.JUDGE, "√") == "T" and sheets.normalise(ItemType.JUDGE, "b") == "F"
    assert sheets.normalise(ItemType.JUDGE, " ") == ""
    assert sheets.normalise(ItemType.SINGLE, "ｃ") == "C"  # full-width, lower case
    assert sheets.normalise(ItemType.MULTIPLE, "c, a、A") == ["A", "C"]
    assert sheets.normalise(ItemType.MULTIPLE, "") == []
    assert sheets.normalise(ItemType.FILL, " 二氧化碳当量 ") == "二氧化碳当量"
    for kind, raw in ((ItemType.SINGLE, "AB"), (ItemType.SINGLE, "Z"), (ItemType.JUDGE, "?"),
                      (ItemType.FILL, "长" * 201)):
        with pytest.raises(sheets.SheetError):
            sheets.normalise(kind, raw)


def _key(day) -> dict[int, dict[int, dict]]:
    key = paper_services.open_key_for_grading(actor=day.officer, paper=day.paper)
    return {f["form"]: {it["position"]: it for it in f["items"]} for f in key["forms"]}


def _right(item: dict) -> str:
    answer = item["answer"].split("|")[0]
    return {"T": "√", "F": "×"}.get(answer, answer) if item["type"] == "judge" else answer


def _wrong(item: dict) -> str:
    return {"single": "A" if item["answer"] != "A" else "B", "multiple": "ABCD" if item["answer"] != "ABCD" else "A",
            "judge": "×" if item["answer"] == "T" else "√", "fill": "不知道"}[item["type"]]


def _csv(rows: list[list[str]], positions: int) -> bytes:
    lines = [",".join(["准考证号", "卷别", "缺考", *[str(p) for p in range(1, positions + 1)]])]
    lines += [",".join(r) for r in rows]
    return "\n".join(lines).encode("utf-8-sig")


def test_an_omr_file_becomes_scored_attempts_and_results():
    day, tickets = paper_sitting()
    key = _key(day)
    n = len(key[1])
    rows = [[tickets[0], "1", "", *[_right(key[1][p]) for p in range(1, n + 1)]],
            [tickets[1], "2", "是", *[""] * n],
            [tickets[2], "2", "", *[_wrong(key[2][p]) for p in range(1, n + 1)]],
            [tickets[3], "1", "", *[""] * n]]
    summary = sheets.sheets_import(actor=day.officer, paper_id=day.paper.pk, data=_csv(rows, n), file_name="omr.csv")
    assert (summary.sheets, summary.absent, summary.replaced) == (4, 1, 0)
    attempts = {a.ticket.number: a for a in Attempt.objects.filter(paper=day.paper).select_related("ticket")}
    assert attempts[tickets[1]].status == AttemptStatus.ABSENT
    assert attempts[tickets[0]].submitted_how == "sheet" and attempts[tickets[2]].form_number == 2
    assert sheets.progress(day.paper)["counted"] == 4

    run = services.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    scores = {s.attempt.ticket.number: s.objective for s in run.scores.select_related("attempt__ticket")}
    assert scores == {tickets[0]: Decimal(100), tickets[2]: Decimal(0), tickets[3]: Decimal(0)}
    assert run.absent == 1
    compiled = {r.application.tickets.get().number: r
                for r in results.results_compile(actor=day.officer, batch_id=day.session.batch_id)}
    assert compiled[tickets[0]].theory == Decimal(100) and compiled[tickets[0]].theory_state == PartState.SCORED
    assert compiled[tickets[1]].theory_state == PartState.ABSENT

    # A sheet read again after scoring: its score is stale until the paper is scored again.
    rows[3] = [tickets[3], "1", "", *[_right(key[1][p]) for p in range(1, n + 1)]]
    again = sheets.sheets_import(actor=day.officer, paper_id=day.paper.pk, data=_csv(rows[3:], n), file_name="r.csv")
    assert again.replaced == 1
    compiled = {r.application.tickets.get().number: r
                for r in results.results_compile(actor=day.officer, batch_id=day.session.batch_id)}
    assert compiled[tickets[3]].theory_state == PartState.PENDING
    assert "答题卡在评分后重新录入，请重新评分" in compiled[tickets[3]].anomalies
    services.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    compiled = {r.application.tickets.get().number: r
                for r in results.results_compile(actor=day.officer, batch_id=day.session.batch_id)}
    assert compiled[tickets[3]].theory == Decimal(100)
    entry = AuditEntry.objects.filter(action="grading.sheets.imported").order_by("pk").first()
    assert entry.data["sheets"] == 4 and len(entry.data["sha256"]) == 64


def test_a_bad_file_is_refused_whole_with_each_error_by_row_and_column():
    day, tickets = paper_sitting()
    n = len(_key(day)[1])
    judge = next(p for p, it in _key(day)[1].items() if it["type"] == "judge")
    bad = [["A9999", "1", "", *[""] * n],
           [tickets[0], "3", "", *[""] * n],
           [tickets[1], "1", "", *["" if p != judge else "?" for p in range(1, n + 1)]],
           [tickets[1], "1", "", *[""] * n],
           [tickets[2], "1", "是", "A", *[""] * (n - 1)],
           [tickets[3], "1", "", *[""] * n, "B"]]
    lines = _csv(bad, n).decode("utf-8-sig").splitlines()
    lines[0] += f",{n + 1}"  # an item number the paper does not have
    with pytest.raises(ValidationError) as exc:
        sheets.sheets_import(actor=day.officer, paper_id=day.paper.pk, data="\n".join(lines).encode("gb18030"),
                             file_name="omr.csv")
    messages = exc.value.message_dict["file"]
    column = chr(ord("D") + judge - 1)
    assert "第 2 行 A 列（准考证号）：本场次没有考这份试卷的准考证号“A9999”" in messages
    assert any(m.startswith("第 3 行 B 列（卷别）") for m in messages)
    assert any(m.startswith(f"第 4 行 {column} 列（{judge}）：判断题") for m in messages)
    assert any(m.startswith("第 5 行 A 列（准考证号）：与第 4 行重复") for m in messages)
    assert any(m.startswith("第 6 行 C 列（缺考）：标为缺考，却有作答") for m in messages)
    assert any(m.startswith("第 7 行") and f"没有第 {n + 1} 题" in m for m in messages)
    assert not Attempt.objects.filter(paper=day.paper).exists() and not SheetEntry.objects.exists()
    with pytest.raises(PermissionDenied):
        sheets.sheets_import(actor=day.chief, paper_id=day.paper.pk, data=b"", file_name="x.csv")


def test_an_excel_file_from_the_reader_is_read_too():
    day, tickets = paper_sitting(2)
    key = _key(day)
    wb = Workbook()
    ws = wb.active
    ws.append(["准考证号", "卷别", *[f"第{p}题" for p in key[1]]])
    ws.append([tickets[0], 1, *[_right(key[1][p]) for p in key[1]]])
    ws.append([tickets[1], 1, *[None for _p in key[1]]])
    buffer = io.BytesIO()
    wb.save(buffer)
    assert sheets.sheets_import(actor=day.officer, paper_id=day.paper.pk, data=buffer.getvalue(),
                                file_name="omr.xlsx").sheets == 2
    assert Attempt.objects.filter(paper=day.paper, status=AttemptStatus.SUBMITTED).count() == 2


def test_two_clerks_type_each_sheet_and_a_third_resolves_what_they_read_differently(client):
    day, tickets = paper_sitting()
    key = _key(day)[1]
    clerk_a, clerk_b = day.officer, user_with_role(Role.EXAM_AFFAIRS, day.session.batch.announcement.body,
                                                   username="clerk_b", full_name="录入员乙")
    third = user_with_role(Role.EXAM_AFFAIRS, day.session.batch.announcement.body, username="clerk_c")
    right = {str(p): _right(it) for p, it in key.items()}
    first = sheets.sheet_enter(actor=clerk_a, paper_id=day.paper.pk, ticket=tickets[0], form_number=1, absent=False,
                               answers=right)
    assert first.agreed is None and not Attempt.objects.filter(paper=day.paper).exists()
    with pytest.raises(ValidationError, match="另一名"):
        sheets.sheet_enter(actor=clerk_a, paper_id=day.paper.pk, ticket=tickets[0], form_number=1, absent=False,
                           answers=right)
    assert sheets.sheet_enter(actor=clerk_b, paper_id=day.paper.pk, ticket=tickets[0], form_number=1, absent=False,
                              answers=right).agreed is True
    assert Attempt.objects.get(paper=day.paper).status == AttemptStatus.SUBMITTED
    with pytest.raises(ValidationError, match="两遍录入"):
        sheets.sheet_enter(actor=third, paper_id=day.paper.pk, ticket=tickets[0], form_number=1, absent=False,
                           answers=right)

    misread = dict(right, **{"1": _wrong(key[1])})
    sheets.sheet_enter(actor=clerk_a, paper_id=day.paper.pk, ticket=tickets[1], form_number=1, absent=False,
                       answers=right)
    assert sheets.sheet_enter(actor=clerk_b, paper_id=day.paper.pk, ticket=tickets[1], form_number=1, absent=False,
                              answers=misread).agreed is False
    (mismatch,) = sheets.progress(day.paper)["mismatches"]
    assert mismatch["ticket"] == tickets[1] and [d[0] for d in mismatch["differences"]] == ["1"]
    assert Attempt.objects.filter(paper=day.paper).count() == 1  # not counted while they differ
    with pytest.raises(ValidationError, match="以外"):
        sheets.sheet_resolve(actor=clerk_b, paper_id=day.paper.pk, application_id=mismatch["application_id"],
                             form_number=1, absent=False, answers=right)

    url = reverse("console:grading_sheets", args=[day.paper.pk])
    client.force_login(third)
    page = client.get(url).content.decode()
    assert tickets[1] in page and "按原卡确定" in page and "录入员乙" in page
    client.post(url, {"action": "resolve", "application": mismatch["application_id"], "form_number": 1,
                      **{f"q{p}": v for p, v in right.items()}})
    assert Attempt.objects.filter(paper=day.paper).count() == 2
    assert sheets.progress(day.paper)["mismatches"] == []
    client.post(url, {"action": "enter", "ticket": tickets[2], "form_number": 1, "absent": "1"})
    assert sheets.progress(day.paper)["waiting_second"] == [tickets[2]]
    assert {e.action for e in AuditEntry.objects.filter(action__startswith="grading.sheet")} == {
        "grading.sheet.entered", "grading.sheet.resolved"}


def test_subjective_items_are_marked_on_the_script_and_their_score_typed_with_the_sheet():
    from tests.delivery.conftest import PLAN  # one short-answer item of 12 points per form

    day, tickets = paper_sitting(3, plan=PLAN)
    key = _key(day)
    n = len(key[1])
    short = next(p for p, it in key[1].items() if it["type"] == "short")
    def row(ticket, mark):
        return [ticket, "1", "", *[mark if p == short else _right(key[1][p]) for p in range(1, n + 1)]]

    with pytest.raises(ValidationError) as exc:
        sheets.sheets_import(actor=day.officer, paper_id=day.paper.pk, data=_csv([row(tickets[0], "13")], n),
                             file_name="omr.csv")
    assert "得分应在 0 到 12.00 之间" in exc.value.message_dict["file"][0]
    sheets.sheets_import(actor=day.officer, paper_id=day.paper.pk,
                         data=_csv([row(tickets[0], "9.5"), row(tickets[1], "")], n), file_name="omr.csv")
    # the third sheet typed twice: the clerks read the score box differently, a third person settles it
    clerk_b = user_with_role(Role.EXAM_AFFAIRS, day.session.batch.announcement.body, username="clerk_b")
    third = user_with_role(Role.EXAM_AFFAIRS, day.session.batch.announcement.body, username="clerk_c")
    typed = {str(p): _right(it) for p, it in key[1].items() if it["type"] != "short"}
    sheets.sheet_enter(actor=day.officer, paper_id=day.paper.pk, ticket=tickets[2], form_number=1, absent=False,
                       answers={**typed, str(short): "7"})
    sheets.sheet_enter(actor=clerk_b, paper_id=day.paper.pk, ticket=tickets[2], form_number=1, absent=False,
                       answers={**typed, str(short): "1"})
    (mismatch,) = sheets.progress(day.paper)["mismatches"]
    assert [d[0] for d in mismatch["differences"]] == [f"{short}（得分）"]
    sheets.sheet_resolve(actor=third, paper_id=day.paper.pk, application_id=mismatch["application_id"], form_number=1,
                         absent=False, answers={**typed, str(short): "7"})

    run = services.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    scores = {s.attempt.ticket.number: s for s in run.scores.select_related("attempt__ticket")}
    full = sum(Decimal(it["points"]) for it in key[1].values())
    assert scores[tickets[0]].objective == full - 12 + Decimal("9.5") and scores[tickets[0]].to_mark == 0
    assert scores[tickets[2]].objective == full - 12 + 7
    assert scores[tickets[1]].to_mark == 1  # no score in the box: the result waits
    with pytest.raises(ValidationError, match="在答卷上评阅"):
        services.marking_open(actor=day.officer, run_id=run.pk, markers=[], leader=None)
    compiled = {r.application.tickets.get().number: r
                for r in results.results_compile(actor=day.officer, batch_id=day.session.batch_id)}
    assert compiled[tickets[0]].theory == full - 12 + Decimal("9.5")
    assert compiled[tickets[1]].theory_state == PartState.PENDING


def test_a_reader_file_claiming_millions_of_rows_or_columns_is_refused_fast_and_writes_nothing():
    """Issue #20 item 4: the workbook is scanned before openpyxl reads it; a CSV is counted line by line."""
    import time

    from tests.core.test_limits import _base_workbook, _cell, _zip

    day, tickets = paper_sitting(2)
    members = _base_workbook()
    members["xl/worksheets/sheet1.xml"] = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f'<row r="1">{_cell("A1", "准考证号")}{_cell("B1", "1")}</row>'
        f'<row r="4000000">{_cell("A4000000", tickets[0])}</row></sheetData></worksheet>').encode()
    csv_head = "准考证号,1\n".encode()
    cases = [(_zip(members), "omr.xlsx", "含空行"), (csv_head + b"\n" * 30000, "omr.csv", "含空行"),
             (("准考证号," + ",".join(str(n) for n in range(1, 1200))).encode(), "omr.csv", "列")]
    for data, name, words in cases:
        started = time.monotonic()
        with pytest.raises(ValidationError) as exc:
            sheets.sheets_import(actor=day.officer, paper_id=day.paper.pk, data=data, file_name=name)
        assert time.monotonic() - started < 5
        assert words in exc.value.message_dict["file"][0]
    assert not Attempt.objects.filter(paper=day.paper).exists() and not SheetEntry.objects.exists()
