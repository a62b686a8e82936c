"""Practical assessment scoring (§6.4.1.4, A.3.4–A.3.8): examiner panels, coded work pieces, independent
scoring sheets, the panel's rule, and the sealed code map opened with two witnesses at score consolidation.

Score rule: each examiner's sheet totals the criteria of the form's practical tasks (each task's sheet scaled to
the task's points on the paper), minus safety and conduct deductions, never below 0. Once every examiner of the
panel has submitted, the piece's score is the panel's rule over the totals (mean by default; median; or the
trimmed mean without the highest and lowest when at least four examiners scored). When the highest and lowest
totals differ by more than the panel's threshold the piece is flagged to the examiner leader. A piece whose
candidate continued after the stop order (A.3.5) is void: no score.
"""

from __future__ import annotations

import json
import secrets
import statistics
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts.enums import Role
from skillcert.core import audit
from skillcert.core.crypto import keyring
from skillcert.core.errors import ValidationError
from skillcert.papers import services as paper_services
from skillcert.papers.enums import PaperStatus
from skillcert.scheduling.enums import SessionKind
from skillcert.scheduling.models import ExamSession, SeatAssignment

from . import rules
from .models import (
    PracticalEvent,
    PracticalEventKind,
    PracticalPanel,
    PracticalRule,
    PracticalSheet,
    UnsealWitness,
    WorkPiece,
)

CENT = Decimal("0.01")
MIN_EXAMINERS = 3  # §6.4.1.4 每个实际操作考场至少配备考评人员 3 名


def _office(actor, session: ExamSession) -> None:
    if not rules.scores(actor, session):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以组织实操评分。"))


def panel_members(session: ExamSession, room_id: int, examiners: list, leader, leader_message: str):
    """(room, scorers) for a panel of ``session``: the room must be the session's; every scorer, the leader
    included, one of the body's examiners; the leader one of its examiner leaders."""
    room = session.rooms.filter(pk=room_id).first()
    if room is None:
        raise ValidationError({"room": _("该考场不属于本场次。")})
    body_id = session.batch.announcement.body_id
    scorers = list(dict.fromkeys([*examiners, leader]))
    for u in scorers:
        if not rules.serves_body(u, body_id, Role.EXAMINER, Role.EXAMINER_LEADER):
            raise ValidationError({"examiners": _("%(name)s 不是本机构的考评员。")
                                   % {"name": u.full_name or u.username}})
    if not rules.serves_body(leader, body_id, Role.EXAMINER_LEADER):
        raise ValidationError({"leader": leader_message})
    return room, scorers


@transaction.atomic
def panel_form(*, actor, session_id: int, room_id: int, examiners: list, leader, rule: str = PracticalRule.MEAN,
               spread_limit: Decimal = Decimal("10"), form_number: int = 1, paper_id: int | None = None
               ) -> PracticalPanel:
    """组建考评小组 for one practical room and one trade's paper (§6.4.2.1: each trade is scored on its own
    scoring sheet): ≥ 3 examiners (the leader may be one of them). ``paper_id`` may be left out when the session
    has one released practical paper."""
    session = ExamSession.objects.select_related("batch__announcement").get(pk=session_id)
    _office(actor, session)
    if session.kind != SessionKind.PRACTICAL:
        raise ValidationError(_("只有实际操作考核场次需要考评小组。"))
    room, scorers = panel_members(session, room_id, examiners, leader, _("考评组长须为本机构的考评组长。"))
    if len(scorers) < MIN_EXAMINERS:
        raise ValidationError({"examiners": _("每个实际操作考场至少配备 %(n)s 名考评人员（§6.4.1.4）。")
                               % {"n": MIN_EXAMINERS}})
    if rule not in PracticalRule.values:
        raise ValidationError({"rule": _("成绩计算规则无效。")})
    if rule == PracticalRule.TRIMMED and len(scorers) < 4:
        raise ValidationError({"rule": _("去掉最高最低分需要至少 4 名考评员。")})
    if spread_limit <= 0:
        raise ValidationError({"spread_limit": _("评分差异提示阈值须大于 0。")})
    released = list(session.papers.filter(status__in=[PaperStatus.RELEASED, PaperStatus.USED])
                    .select_related("bank"))
    if paper_id is not None:
        paper = next((p for p in released if p.pk == paper_id), None)
    else:
        paper = released[0] if len(released) == 1 else None
        if len(released) > 1:
            raise ValidationError({"paper": _("本场次有多个工种的实操试卷，请选择考评小组负责的试卷。")})
    if paper is None:
        raise ValidationError(_("本场次的实操试卷尚未启封下发。"))
    if PracticalPanel.objects.filter(session=session, room=room, paper=paper).exists():
        raise ValidationError(_("该考场已为这份试卷组建考评小组。"))
    panel = PracticalPanel.objects.create(session=session, room=room, paper=paper, form_number=form_number,
                                          leader=leader, rule=rule, spread_limit=spread_limit, created_by=actor)
    panel.examiners.set(scorers)
    panel.map_key_id, panel.sealed_map = keyring().seal(b"{}", panel.aad())
    panel.save(update_fields=["map_key_id", "sealed_map"])
    audit.record(actor, "grading.panel.formed", target=panel,
                 data={"room": room.name, "examiners": [u.username for u in scorers], "leader": leader.username,
                       "rule": rule, "spread_limit": str(spread_limit)})
    return panel


def sits(panel: PracticalPanel):
    """The seats of the panel's room whose candidates sit its paper (the paper's bank: trade and level)."""
    bank = panel.paper.bank
    return SeatAssignment.objects.filter(
        session_id=panel.session_id, seat__room_id=panel.room_id, application__offer__occupation_id=bank.occupation_id,
        application__offer__trade_id=bank.trade_id, application__offer__level_id=bank.level_id)


def _lock_panel(panel_id: int) -> PracticalPanel:
    return (PracticalPanel.objects.select_for_update(of=("self",))
            .select_related("session__batch__announcement", "room", "paper__bank").get(pk=panel_id))


def _open_map(panel: PracticalPanel) -> dict[str, int]:
    return json.loads(keyring().open(panel.map_key_id, bytes(panel.sealed_map), panel.aad()))


@transaction.atomic
def piece_collect(*, actor, panel_id: int, application_id: int) -> WorkPiece:
    """编号 at collection (A.3.7): the candidate's work piece gets a random code; who it belongs to goes into the
    sealed map only. Returns the piece (its code is written on the piece)."""
    panel = _lock_panel(panel_id)
    if not (rules.scores(actor, panel.session) or actor.pk == panel.leader_id):
        raise PermissionDenied(_("只有考务人员或考评组长可以收取和编号工件。"))
    if panel.unsealed_at:
        raise ValidationError(_("已开封对号，不能再收取工件。"))
    if not sits(panel).filter(application_id=application_id).exists():
        raise ValidationError(_("该考生不在本考场，或不考这份试卷。"))
    mapping = _open_map(panel)
    if application_id in mapping.values():
        raise ValidationError(_("该考生的工件已收取编号。"))
    code = secrets.token_hex(3).upper()
    while code in mapping:
        code = secrets.token_hex(3).upper()
    mapping[code] = application_id
    panel.map_key_id, panel.sealed_map = keyring().seal(json.dumps(mapping).encode(), panel.aad())
    panel.save(update_fields=["map_key_id", "sealed_map"])
    piece = WorkPiece.objects.create(panel=panel, code=code, collected_by=actor)
    audit.record(actor, "grading.piece.collected", target=piece, data={"code": code, "pieces": len(mapping)})
    return piece


def sheet_criteria(actor, panel: PracticalPanel) -> list[dict]:
    """The scoring sheet of the panel's form (from the paper's sealed key), each task's criteria scaled to the
    task's points: [{"task", "index", "criterion", "method", "max"}]. Opened (and audited) for each use."""
    key = paper_services.open_key_for_panel(actor=actor, paper=panel.paper, purpose=f"practical {panel.pk}")
    form = next(f for f in key["forms"] if f["form"] == panel.form_number)
    rows = []
    for task in form["items"]:
        sheet = task.get("scoring_sheet") or []
        full = sum(Decimal(str(c["points"])) for c in sheet) or Decimal(1)
        scale = Decimal(task["points"]) / full
        for index, c in enumerate(sheet):
            rows.append({"task": task["position"], "index": index, "criterion": c["criterion"],
                         "method": c.get("method", ""),
                         "max": str((Decimal(str(c["points"])) * scale).quantize(CENT, ROUND_HALF_UP))})
    return rows


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("请填写数字。")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("请填写数字。")})
    return number


def _combine(rule: str, totals: list[Decimal]) -> Decimal:
    if rule == PracticalRule.MEDIAN:
        value = Decimal(statistics.median(totals))
    elif rule == PracticalRule.TRIMMED and len(totals) >= 4:
        kept = sorted(totals)[1:-1]
        value = sum(kept) / len(kept)
    else:
        value = sum(totals) / len(totals)
    return value.quantize(CENT, ROUND_HALF_UP)


def _examiners_piece(actor, panel_id: int, code: str) -> tuple[PracticalPanel, WorkPiece]:
    """The locked panel and coded piece, for one of the panel's examiners."""
    panel = _lock_panel(panel_id)
    if not panel.examiners.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("您不是本考评小组的考评员。"))
    piece = WorkPiece.objects.select_for_update().filter(panel=panel, code=code.strip().upper()).first()
    if piece is None:
        raise ValidationError({"code": _("工件编号不存在。")})
    return panel, piece


@transaction.atomic
def sheet_submit(*, actor, panel_id: int, code: str, given: list, deductions: list[dict] | None = None
                 ) -> PracticalSheet:
    """An examiner's scoring sheet for one coded piece (A.3.6), locked on submission. ``given``: points per
    criterion in the sheet's order; ``deductions``: [{"reason", "points"}] for safety and conduct."""
    panel, piece = _examiners_piece(actor, panel_id, code)
    if piece.voided:
        raise ValidationError(_("该工件成绩已作废。"))
    if piece.sheets.filter(examiner=actor).exists():
        raise ValidationError(_("您已提交该工件的评分记录表，提交后不能修改。"))
    criteria = sheet_criteria(actor, panel)
    if len(given) != len(criteria):
        raise ValidationError({"given": _("请为每个评分项打分。")})
    scores, total = [], Decimal(0)
    for i, (c, value) in enumerate(zip(criteria, given, strict=True)):
        number = _decimal(value, f"given.{i}")
        if number < 0 or number > Decimal(c["max"]):
            raise ValidationError({f"given.{i}": _("“%(c)s”的得分须在 0 到 %(m)s 之间。") % {"c": c["criterion"],
                                                                                         "m": c["max"]}})
        # Positions and points only: the criteria's wording is bank content and stays sealed (§7.3.2).
        scores.append({"task": c["task"], "index": c["index"], "max": c["max"], "given": str(number)})
        total += number
    kept = []
    for i, d in enumerate(deductions or []):
        points, reason = _decimal(d.get("points"), f"deductions.{i}"), str(d.get("reason", "")).strip()
        if points <= 0 or not reason:
            raise ValidationError({f"deductions.{i}": _("扣分须写明原因，分值大于 0。")})
        kept.append({"reason": reason[:200], "points": str(points)})
        total -= points
    sheet = PracticalSheet.objects.create(piece=piece, examiner=actor, scores=scores, deductions=kept,
                                          total=max(total, Decimal(0)).quantize(CENT))
    totals = list(piece.sheets.values_list("total", flat=True))
    if len(totals) >= panel.examiners.count():
        piece.final = _combine(panel.rule, totals)
        piece.spread = max(totals) - min(totals)
        piece.flagged = piece.spread > panel.spread_limit
        piece.save(update_fields=["final", "spread", "flagged"])
    audit.record(actor, "grading.sheet.submitted", target=piece,
                 data={"code": piece.code, "total": str(sheet.total), "deductions": kept,
                       "final": None if piece.final is None else str(piece.final)})
    return sheet


@transaction.atomic
def piece_void(*, actor, panel_id: int, code: str, reason: str) -> WorkPiece:
    """成绩作废 (A.3.5: continued after the stop order), recorded by an examiner of the panel with the reason."""
    _panel, piece = _examiners_piece(actor, panel_id, code)
    if not reason.strip():
        raise ValidationError({"reason": _("请写明作废原因。")})
    piece.voided, piece.void_reason, piece.final, piece.flagged = True, reason.strip()[:200], None, False
    piece.save(update_fields=["voided", "void_reason", "final", "flagged"])
    audit.record(actor, "grading.piece.voided", target=piece, data={"code": piece.code, "reason": piece.void_reason})
    return piece


@transaction.atomic
def unseal_request(*, actor, panel_id: int, witnesses: list) -> PracticalPanel:
    """开封对号 at score consolidation (A.3.7): once every piece is scored or void, the office names two
    witnesses; the map opens when both have confirmed in their own accounts."""
    panel = _lock_panel(panel_id)
    _office(actor, panel.session)
    if panel.unsealed_at:
        raise ValidationError(_("已开封对号。"))
    if not panel.pieces.exists() or panel.pieces.filter(final__isnull=True, voided=False).exists():
        raise ValidationError(_("还有工件未评完，统分时方可开封对号。"))
    people = list(dict.fromkeys(witnesses))
    if len(people) != 2 or actor in people:
        raise ValidationError({"witnesses": _("开封对号须有两名见证人（不含操作人本人）。")})
    panel.unseal_witnesses.all().delete()
    UnsealWitness.objects.bulk_create([UnsealWitness(panel=panel, user=u) for u in people])
    audit.record(actor, "grading.map.unseal_requested", target=panel, data={"witnesses": [u.username for u in people]})
    return panel


@transaction.atomic
def unseal_confirm(*, actor, panel_id: int) -> PracticalPanel:
    panel = _lock_panel(panel_id)
    witness = panel.unseal_witnesses.filter(user=actor).first()
    if witness is None:
        raise PermissionDenied(_("您不是本次开封对号的见证人。"))
    if panel.unsealed_at:
        raise ValidationError(_("已开封对号。"))
    witness.confirmed_at = witness.confirmed_at or timezone.now()
    witness.save(update_fields=["confirmed_at"])
    if not panel.unseal_witnesses.filter(confirmed_at__isnull=True).exists():
        mapping = _open_map(panel)
        for piece in panel.pieces.all():
            piece.application_id = mapping[piece.code]
            piece.save(update_fields=["application"])
        panel.unsealed_at = timezone.now()
        panel.save(update_fields=["unsealed_at"])
        audit.record(actor, "grading.map.unsealed", target=panel,
                     data={"pieces": len(mapping), "witnesses": list(panel.unseal_witnesses.values_list(
                         "user__username", flat=True))})
    else:
        audit.record(actor, "grading.map.unseal_confirmed", target=panel)
    return panel


# --- The practical room record (A.3.4, A.3.6) ----------------------------------------------------------------

RECORDERS = rules.recorders()


@transaction.atomic
def event_record(*, actor, panel_id: int, kind: str, seat_id: int | None = None, minutes=None,
                 occurred_at=None, note: str = "") -> PracticalEvent:
    """One line of the practical room record: a delay (and the minutes given back, A.3.4), a workstation's
    completion time, safety and conduct, a violation, or a supervisor's check (A.3.6)."""
    panel = _lock_panel(panel_id)
    if not rules.records(actor, panel):
        raise PermissionDenied(_("只有本考场的考评、监考、督导人员或考务人员可以填写考场记录。"))
    if kind not in PracticalEventKind.values:
        raise ValidationError({"kind": _("请选择记录类别。")})
    if panel.session.batch.results.exclude(status="draft").exists():
        raise ValidationError(_("本批次成绩已确认，考场记录已归档。"))
    seat = None
    if seat_id:
        seat = panel.room.seats.filter(pk=seat_id).first()
        if seat is None:
            raise ValidationError({"seat": _("该工位不在本考场。")})
    if kind in (PracticalEventKind.FINISHED, PracticalEventKind.VIOLATION) and seat is None:
        raise ValidationError({"seat": _("请选择工位。")})
    value = None
    if kind == PracticalEventKind.DELAY:
        try:
            value = int(str(minutes).strip())
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 60:
            raise ValidationError({"minutes": _("顺延时间须为 1 到 60 分钟。")})
    elif minutes not in (None, ""):
        raise ValidationError({"minutes": _("只有延误需要填写顺延时间。")})
    if kind != PracticalEventKind.FINISHED and not note.strip():
        raise ValidationError({"note": _("请写明情况。")})
    event = PracticalEvent.objects.create(panel=panel, kind=kind, seat=seat, minutes=value,
                                          occurred_at=occurred_at or timezone.now(), note=note.strip()[:500],
                                          recorded_by=actor)
    audit.record(actor, "grading.practical_event.recorded", target=event,
                 data={"kind": kind, "seat": seat.number if seat else None, "minutes": value, "note": event.note})
    return event
