"""Paper answer sheets (答题卡, A.2.5–A.2.10) of paper-based theory sessions, brought into scoring (§6.3.3):

* the optical-mark reader's output imported as CSV or Excel — one row per sheet: 准考证号, 卷别, 缺考, then one
  column per item number; all rows are checked before anything is written, and every error names its row and
  column;
* or double manual entry: two different clerks type each sheet; a sheet counts only when both readings agree;
  where they differ the positions are listed until someone reads the paper sheet and records what it says.

A sheet that counts becomes the candidate's attempt at the paper, exactly as a computer-based one (status
submitted, or absent; ``submitted_how = sheet``; one answer per objective item), so scoring, item analysis,
similarity screening and results treat both alike. Subjective items are marked on the paper scripts (the
binding hides the candidate); the score written in each item's box is typed with the sheet — in the same
double entry, or as that item's column of the import — and scoring takes it as the item's points.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import duties
from skillcert.core import audit, limits
from skillcert.core.errors import ValidationError
from skillcert.core.statemachine import transition
from skillcert.delivery.enums import SHEET_ATTEMPT_TRANSITIONS, AttemptStatus, RoomState, SubmittedHow
from skillcert.delivery.models import Answer, Attempt, RoomSitting
from skillcert.itembank.enums import OPTION_KEYS, ItemType
from skillcert.papers.enums import PaperStatus
from skillcert.papers.models import Paper, PaperItem
from skillcert.scheduling.enums import SessionKind
from skillcert.scheduling.models import AdmissionTicket, SeatAssignment, TicketStatus

from . import rules
from .models import SheetEntry, SheetSource
from .scoring import AUTO_TYPES

TICKET, FORM, ABSENT = "准考证号", "卷别", "缺考"
TRUE_MARKS = {"T", "A", "√", "✓", "对", "正确", "Y", "1"}
FALSE_MARKS = {"F", "B", "×", "X", "✗", "错", "错误", "N", "0"}
YES = {"是", "1", "Y", "YES", "TRUE", "缺考", "√"}
MAX_FILL = 200
MAX_ROWS = 20_000


class SheetError(ValueError):
    pass


def layout(paper: Paper) -> dict[int, dict[int, str]]:
    """form → position → item type, for the objective items a sheet carries."""
    out: dict[int, dict[int, str]] = {f.number: {} for f in paper.forms.all()}
    for form, position, kind in (PaperItem.objects.filter(form__paper=paper)
                                 .values_list("form__number", "position", "item__type")):
        if kind in AUTO_TYPES:
            out.setdefault(form, {})[position] = kind
    return out


def marked_items(paper: Paper) -> dict[int, dict[int, Decimal]]:
    """form → position → points, for the subjective items marked on the paper scripts (their points are typed
    from the script's score box with the sheet)."""
    out: dict[int, dict[int, Decimal]] = {f.number: {} for f in paper.forms.all()}
    for form, position, kind, points in (PaperItem.objects.filter(form__paper=paper)
                                         .values_list("form__number", "position", "item__type", "points")):
        if kind not in AUTO_TYPES:
            out.setdefault(form, {})[position] = points
    return out


def mark_value(raw: Any, points: Decimal) -> str:
    """A score written on a paper script: 0 … the item's points, to 0.01; "" when not entered."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    if not text:
        return ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SheetError(_("主观题应填得分，读到“%(v)s”") % {"v": text}) from None
    if not value.is_finite() or not 0 <= value <= points or value != value.quantize(Decimal("0.01")):
        raise SheetError(_("得分应在 0 到 %(p)s 之间（最多两位小数），读到“%(v)s”") % {"p": points, "v": text})
    return str(value.quantize(Decimal("0.01")))


def counted_marks(paper: Paper) -> dict[int, dict[int, Decimal]]:
    """attempt → position → points of the subjective items, from the reading of each sheet that counts (the one
    resolved from the paper sheet, else the reader's import, else the agreed second reading)."""
    rank = {SheetSource.RESOLVED: 3, SheetSource.OMR: 2, SheetSource.SECOND: 1}
    best: dict[int, SheetEntry] = {}
    for entry in SheetEntry.objects.filter(paper=paper, source__in=list(rank)):
        if entry.application_id not in best or rank[entry.source] > rank[best[entry.application_id].source]:
            best[entry.application_id] = entry
    attempts = dict(Attempt.objects.filter(paper=paper, sitting__session=paper.session)
                    .values_list("application_id", "pk"))
    return {attempts[app]: {int(p): Decimal(v) for p, v in e.marks.items()}
            for app, e in best.items() if app in attempts and e.marks}


def normalise(kind: str, raw: Any) -> Any:
    """A mark as read from the sheet → the value the player would have saved; SheetError when it can't be."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    if kind == ItemType.FILL:
        if len(text) > MAX_FILL:
            raise SheetError(_("填空题答案不能超过 %(n)s 字") % {"n": MAX_FILL})
        return text
    upper = text.upper()
    if kind == ItemType.JUDGE:
        if not upper:
            return ""
        if upper in TRUE_MARKS:
            return "T"
        if upper in FALSE_MARKS:
            return "F"
        raise SheetError(_("判断题应填 √/× 或 A/B，读到“%(v)s”") % {"v": text})
    letters = [ch for ch in upper if ch not in " ,，、;；/"]
    if any(ch not in OPTION_KEYS for ch in letters):
        raise SheetError(_("选项应为 %(k)s 中的字母，读到“%(v)s”") % {"k": OPTION_KEYS, "v": text})
    if kind == ItemType.SINGLE:
        if len(set(letters)) > 1:
            raise SheetError(_("单选题只能填涂一个选项，读到“%(v)s”") % {"v": text})
        return letters[0] if letters else ""
    return sorted(set(letters))


def shown(value) -> str:
    """A kept value as a clerk would type it: ["A", "C"] → "AC", "T" → "√", "F" → "×"."""
    if isinstance(value, list):
        return "".join(value)
    return {"T": "√", "F": "×"}.get(value, value or "")


def _blank(value) -> bool:
    return value in ("", None, [])


def _clean(answers: dict) -> dict[str, Any]:
    return {str(p): v for p, v in answers.items() if not _blank(v)}


def _paper_for_office(actor, paper_id: int, lock: bool = False) -> Paper:
    qs = Paper.objects.select_related("session__batch__announcement", "bank")
    paper = (qs.select_for_update(of=("self",)) if lock else qs).get(pk=paper_id)
    if not rules.scores(actor, paper.session):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以录入答题卡。"))
    if paper.session.kind != SessionKind.THEORY_PAPER:
        raise ValidationError(_("只有纸笔考试的试卷需要录入答题卡。"))
    if paper.status not in (PaperStatus.RELEASED, PaperStatus.USED):
        raise ValidationError(_("试卷尚未启封下发。"))
    if timezone.now() < paper.session.ends_at:
        raise ValidationError(_("考试结束后才能录入答题卡。"))
    if paper.session.batch.results.exclude(status="draft").exists():
        raise ValidationError(_("本批次成绩已确认，不能再录入答题卡。"))
    return paper


def candidates(paper: Paper) -> dict[str, int]:
    """ticket number → application, for the candidates seated in the paper's session who sit this paper
    (its bank's trade and level)."""
    bank = paper.bank
    seated = SeatAssignment.objects.filter(
        session=paper.session, application__offer__occupation_id=bank.occupation_id,
        application__offer__trade_id=bank.trade_id, application__offer__level_id=bank.level_id).values(
        "application_id")
    return dict(AdmissionTicket.objects.filter(batch=paper.session.batch, status=TicketStatus.VALID,
                                               application_id__in=seated).values_list("number", "application_id"))


def _capture(paper: Paper, application_id: int, form_number: int, absent: bool, answers: dict[str, Any],
             now) -> Attempt:
    """The sheet that counts, as the candidate's attempt (see the module docstring)."""
    seat = SeatAssignment.objects.select_related("seat").get(session=paper.session, application_id=application_id)
    sitting, _new = RoomSitting.objects.get_or_create(
        session=paper.session, room_id=seat.seat.room_id,
        defaults={"code": f"{secrets.randbelow(1_000_000):06d}", "state": RoomState.CLOSED, "closed_at": now})
    ticket = AdmissionTicket.objects.get(batch=paper.session.batch, application_id=application_id,
                                         status=TicketStatus.VALID)
    attempt, _new = Attempt.objects.select_for_update().get_or_create(
        assignment=seat, defaults={"sitting": sitting, "application_id": application_id, "ticket": ticket})
    submitted_at, submitted_how = (None, "") if absent else (now, SubmittedHow.SHEET)
    transition(attempt, AttemptStatus.ABSENT if absent else AttemptStatus.SUBMITTED,
               transitions=SHEET_ATTEMPT_TRANSITIONS, paper=paper, form_number=form_number,
               submitted_at=submitted_at, submitted_how=submitted_how)
    Answer.objects.filter(attempt=attempt).delete()
    if not absent:
        Answer.objects.bulk_create(Answer(attempt=attempt, position=int(p), value=v, seq=1, saved_at=now)
                                   for p, v in answers.items())
    return attempt


@dataclass
class ImportSummary:
    sheets: int
    absent: int
    replaced: int


def _positions(header: list[str]) -> dict[int, int]:
    """column index → item number, for the item columns ("1", "2" … or "第1题")."""
    out = {}
    for i, h in enumerate(header):
        digits = h.removeprefix("第").removesuffix("题").strip()
        if digits.isdigit():
            out[i] = int(digits)
    return out


def _column(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


SHEET_LIMITS = limits.SheetLimits(rows=MAX_ROWS, columns=1000, cells=2_000_000)


def _table(data: bytes, file_name: str) -> list[list[Any]]:
    """The reader's file as rows of cells. Its size, rows and cells are checked against core.limits before
    the rows are parsed (the CSV line by line, the workbook's sheets as they stream), so a small file cannot
    make the server walk millions of rows."""
    limits.check_size(data, settings.SKILLCERT_IMPORT_MAX_BYTES, label=_("答题卡文件"))
    if file_name.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("无法识别 CSV 文件的编码，请存为 UTF-8。")})
        top = limits.max_row_number(SHEET_LIMITS)
        for number, line in enumerate(io.StringIO(text), start=1):
            if number > top:
                raise ValidationError({"file": _("文件超过 %(n)d 行（含空行），已拒绝读取；请拆分文件。") % {"n": top}})
            if line.count(",") >= SHEET_LIMITS.columns:
                raise ValidationError({"file": _("文件第 %(r)d 行超过 %(n)d 列，已拒绝读取。") % {
                    "r": number, "n": SHEET_LIMITS.columns}})
        return [row for row in csv.reader(io.StringIO(text))]
    wb = limits.open_workbook(data, SHEET_LIMITS,
                              unreadable=_("无法读取该文件，请上传光标阅读机导出的 .csv 或 .xlsx 文件。"))
    try:
        ws = wb.worksheets[0]
        header = list(next(ws.iter_rows(values_only=True, max_row=1, max_col=SHEET_LIMITS.columns), ()))
        while header and header[-1] in (None, ""):
            header.pop()
        if not header:
            return []
        return [header] + [list(row) for _n, row in limits.sheet_rows(wb, SHEET_LIMITS, max_col=len(header),
                                                                      min_row=2)]
    finally:
        wb.close()


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


@transaction.atomic
def sheets_import(*, actor, paper_id: int, data: bytes, file_name: str) -> ImportSummary:
    """光标阅读机 output → the sheets of one paper. All or nothing: every row is checked first and the errors name
    row and column; a sheet imported again replaces the earlier reading (audited)."""
    paper = _paper_for_office(actor, paper_id, lock=True)
    table = _table(data, file_name)
    if not table:
        raise ValidationError({"file": _("文件是空的。")})
    header = [_text(h) for h in table[0]]
    if TICKET not in header:
        raise ValidationError({"file": _("第一行须为表头，并包含“准考证号”列。")})
    positions = _positions(header)
    if not positions:
        raise ValidationError({"file": _("表头中没有题号列（1、2、3…）。")})
    if len(table) - 1 > MAX_ROWS:
        raise ValidationError({"file": _("一次最多导入 %(n)s 张答题卡。") % {"n": MAX_ROWS}})
    forms, marked, tickets = layout(paper), marked_items(paper), candidates(paper)
    col = {name: header.index(name) if name in header else None for name in (TICKET, FORM, ABSENT)}
    typed = set(SheetEntry.objects.filter(paper=paper).exclude(source=SheetSource.OMR)
                .values_list("application_id", flat=True))
    errors, rows, seen = [], [], {}
    for number, raw in enumerate(table[1:], start=2):
        cells = [_text(v) for v in raw] + [""] * (len(header) - len(raw))
        if not any(cells):
            continue

        def error(i: int, message: str, number=number) -> None:
            errors.append(_("第 %(r)s 行 %(c)s 列（%(h)s）：%(m)s")
                          % {"r": number, "c": _column(i), "h": header[i], "m": message})

        ticket = cells[col[TICKET]]
        application_id = tickets.get(ticket)
        if application_id is None:
            error(col[TICKET], _("本场次没有考这份试卷的准考证号“%(t)s”") % {"t": ticket})
            continue
        if ticket in seen:
            error(col[TICKET], _("与第 %(r)s 行重复") % {"r": seen[ticket]})
            continue
        if application_id in typed:
            error(col[TICKET], _("该答题卡已人工录入，不能再导入"))
            continue
        seen[ticket] = number
        form_text = cells[col[FORM]] if col[FORM] is not None else "1"
        form = int(form_text) if form_text.isdigit() else None
        if form not in forms:
            error(col[FORM], _("卷别应为 %(f)s 之一") % {"f": "、".join(str(f) for f in sorted(forms))})
            continue
        absent = col[ABSENT] is not None and cells[col[ABSENT]].upper() in YES
        answers, marks = {}, {}
        for i, position in positions.items():
            kind, points = forms[form].get(position), marked.get(form, {}).get(position)
            try:
                if kind is not None:
                    answers[str(position)] = normalise(kind, cells[i])
                elif points is not None:
                    marks[str(position)] = mark_value(cells[i], points)
                elif cells[i]:
                    error(i, _("%(f)s 卷没有第 %(p)s 题") % {"f": form, "p": position})
            except SheetError as exc:
                error(i, str(exc))
        answers, marks = _clean(answers), _clean(marks)
        if absent and (answers or marks):
            error(col[ABSENT], _("标为缺考，却有作答"))
        rows.append((application_id, form, absent, answers, marks))
    if errors:
        raise ValidationError({"file": errors[:50] + ([_("……共 %(n)s 处错误") % {"n": len(errors)}]
                                                      if len(errors) > 50 else [])})
    if not rows:
        raise ValidationError({"file": _("文件中没有答题卡。")})
    now, replaced = timezone.now(), 0
    for application_id, form, absent, answers, marks in rows:
        _entry, created = SheetEntry.objects.update_or_create(
            paper=paper, application_id=application_id, source=SheetSource.OMR,
            defaults={"form_number": form, "absent": absent, "answers": answers, "marks": marks, "entered_by": actor})
        replaced += not created
        _capture(paper, application_id, form, absent, answers, now)
    summary = ImportSummary(sheets=len(rows), absent=sum(1 for r in rows if r[2]), replaced=replaced)
    audit.record(actor, "grading.sheets.imported", target=paper,
                 data={"file": file_name[:200], "sha256": hashlib.sha256(data).hexdigest(), "sheets": summary.sheets,
                       "absent": summary.absent, "replaced": replaced})
    return summary


def _reading(paper: Paper, form_number: int, absent: bool, answers: dict) -> tuple[dict, dict]:
    """One clerk's reading (item number → what they typed) → (objective answers, subjective item scores)."""
    forms, marked = layout(paper), marked_items(paper)
    if form_number not in forms:
        raise ValidationError({"form_number": _("卷别应为 %(f)s 之一。") % {
            "f": "、".join(str(f) for f in sorted(forms))}})
    clean, marks, errors = {}, {}, []
    for position, raw in answers.items():
        kind, points = forms[form_number].get(int(position)), marked.get(form_number, {}).get(int(position))
        try:
            if kind is not None:
                clean[str(int(position))] = normalise(kind, raw)
            elif points is not None:
                marks[str(int(position))] = mark_value(raw, points)
            elif not _blank(raw):
                errors.append(_("第 %(p)s 题：%(f)s 卷没有这道题") % {"p": position, "f": form_number})
        except SheetError as exc:
            errors.append(_("第 %(p)s 题：%(m)s") % {"p": position, "m": exc})
    if errors:
        raise ValidationError({"answers": errors})
    clean, marks = _clean(clean), _clean(marks)
    if absent and (clean or marks):
        raise ValidationError({"absent": _("标为缺考，却有作答。")})
    return clean, marks


def differences(a: SheetEntry, b: SheetEntry) -> list[tuple[str, Any, Any]]:
    """(what, first reading, second reading) wherever two readings differ."""
    out = []
    if a.form_number != b.form_number:
        out.append((_("卷别"), a.form_number, b.form_number))
    if a.absent != b.absent:
        out.append((_("缺考"), _("是") if a.absent else _("否"), _("是") if b.absent else _("否")))
    for p in sorted(set(a.answers) | set(b.answers), key=int):
        if a.answers.get(p, "") != b.answers.get(p, ""):
            out.append((p, shown(a.answers.get(p, "")), shown(b.answers.get(p, ""))))
    for p in sorted(set(a.marks) | set(b.marks), key=int):
        if a.marks.get(p, "") != b.marks.get(p, ""):
            out.append((_("%(p)s（得分）") % {"p": p}, a.marks.get(p, ""), b.marks.get(p, "")))
    return out


@transaction.atomic
def sheet_enter(*, actor, paper_id: int, ticket: str, form_number: int, absent: bool, answers: dict) -> SheetEntry:
    """双人录入: the first reading, or the second by another clerk; when the second agrees with the first the sheet
    counts."""
    paper = _paper_for_office(actor, paper_id, lock=True)
    application_id = candidates(paper).get((ticket or "").strip())
    if application_id is None:
        raise ValidationError({"ticket": _("本场次没有考这份试卷的该准考证号。")})
    readings = {e.source: e for e in SheetEntry.objects.filter(paper=paper, application_id=application_id)}
    if SheetSource.OMR in readings:
        raise ValidationError({"ticket": _("该答题卡已由光标阅读机导入。")})
    if SheetSource.SECOND in readings:
        raise ValidationError({"ticket": _("该答题卡已完成两遍录入。")})
    first = readings.get(SheetSource.FIRST)
    duties.require_different(duties.SHEET_SECOND_ENTRY, actor, first.entered_by_id if first else None)
    clean, marks = _reading(paper, form_number, absent, answers)
    entry = SheetEntry.objects.create(paper=paper, application_id=application_id,
                                      source=SheetSource.SECOND if first else SheetSource.FIRST,
                                      form_number=form_number, absent=absent, answers=clean, marks=marks,
                                      entered_by=actor)
    agreed = bool(first) and not differences(first, entry)
    entry.agreed = agreed  # for the page: the second reading agreed (None: the first reading)
    if agreed:
        _capture(paper, application_id, form_number, absent, clean, timezone.now())
    if not first:
        entry.agreed = None
    audit.record(actor, "grading.sheet.entered", target=entry,
                 data={"ticket": ticket, "source": entry.source, "agreed": entry.agreed})
    return entry


@transaction.atomic
def sheet_resolve(*, actor, paper_id: int, application_id: int, form_number: int, absent: bool,
                  answers: dict) -> SheetEntry:
    """Where the two readings differ: what the paper sheet says, recorded by someone who is neither of the two
    clerks, after looking at it. The sheet then counts."""
    paper = _paper_for_office(actor, paper_id, lock=True)
    readings = {e.source: e for e in SheetEntry.objects.filter(paper=paper, application_id=application_id)}
    first, second = readings.get(SheetSource.FIRST), readings.get(SheetSource.SECOND)
    if not (first and second and differences(first, second)):
        raise ValidationError(_("该答题卡没有待核对的差异。"))
    if SheetSource.RESOLVED in readings:
        raise ValidationError(_("该答题卡已核对确定。"))
    if actor.pk in (first.entered_by_id, second.entered_by_id):
        raise ValidationError(_("核对须由两名录入人以外的工作人员进行。"))
    clean, marks = _reading(paper, form_number, absent, answers)
    entry = SheetEntry.objects.create(paper=paper, application_id=application_id, source=SheetSource.RESOLVED,
                                      form_number=form_number, absent=absent, answers=clean, marks=marks,
                                      entered_by=actor)
    _capture(paper, application_id, form_number, absent, clean, timezone.now())
    audit.record(actor, "grading.sheet.resolved", target=entry,
                 data={"differences": [str(d[0]) for d in differences(first, second)]})
    return entry


def progress(paper: Paper) -> dict:
    """How far the sheets of a paper are: candidates, readings by source, sheets that count, open mismatches."""
    tickets = candidates(paper)
    by_app: dict[int, dict[str, SheetEntry]] = {}
    for e in SheetEntry.objects.filter(paper=paper):
        by_app.setdefault(e.application_id, {})[e.source] = e
    number = {a: t for t, a in tickets.items()}
    mismatches = []
    for app_id, readings in by_app.items():
        first, second = readings.get(SheetSource.FIRST), readings.get(SheetSource.SECOND)
        if first and second and SheetSource.RESOLVED not in readings:
            diffs = differences(first, second)
            if diffs:
                mismatches.append({"application_id": app_id, "ticket": number.get(app_id, ""), "first": first,
                                   "second": second, "differences": diffs})
    waiting_second = sorted(number.get(a, "") for a, r in by_app.items()
                            if SheetSource.FIRST in r and SheetSource.SECOND not in r)
    counted = Attempt.objects.filter(sitting__session=paper.session, paper=paper).count()
    return {"candidates": len(tickets), "counted": counted, "omr": sum(SheetSource.OMR in r for r in by_app.values()),
            "waiting_second": waiting_second, "mismatches": sorted(mismatches, key=lambda m: m["ticket"]),
            "missing": sorted(t for t, a in tickets.items() if a not in by_app)}
