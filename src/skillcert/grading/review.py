"""Comprehensive review for 技师 and 高级技师 (§6.5.1 综合评审: 答辩 and 业绩评价, each on 100 points).

A panel of at least three examiners (one of them its leader) per room of a review session. Every examiner scores
every candidate of the room on both, once; a sheet is locked on submission. A candidate's defence and performance
scores are the means over the panel (rounded half-up to 0.01) once every examiner of the panel has submitted;
the review score is their weighted mean (``PassRule.defence_weight``), and the level's ``PassRule`` decides
whether the review is passed: by default each of the two at or above the minimum.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from skillcert.core import audit
from skillcert.core.errors import ValidationError
from skillcert.scheduling.enums import SessionKind
from skillcert.scheduling.models import ExamSession, SeatAssignment

from . import rules
from .models import ReviewPanel, ReviewSheet
from .practical import panel_members

CENT = Decimal("0.01")
MIN_REVIEWERS = 3


@transaction.atomic
def review_panel_form(*, actor, session_id: int, room_id: int, examiners: list, leader) -> ReviewPanel:
    """组建综合评审小组 for one room of a review session: ≥ 3 of the body's examiners, the leader among them."""
    session = ExamSession.objects.select_related("batch__announcement").get(pk=session_id)
    if not rules.scores(actor, session):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以组建评审小组。"))
    if session.kind != SessionKind.REVIEW:
        raise ValidationError(_("只有综合评审场次需要评审小组。"))
    room, scorers = panel_members(session, room_id, examiners, leader, _("评审组长须为本机构的考评组长。"))
    if len(scorers) < MIN_REVIEWERS:
        raise ValidationError({"examiners": _("综合评审小组至少由 %(n)s 名考评人员组成。") % {"n": MIN_REVIEWERS}})
    ExamSession.objects.select_for_update().filter(pk=session.pk).first()
    if ReviewPanel.objects.filter(session=session, room=room).exists():
        raise ValidationError(_("该考场已组建评审小组。"))
    panel = ReviewPanel.objects.create(session=session, room=room, leader=leader, created_by=actor)
    panel.examiners.set(scorers)
    audit.record(actor, "grading.review_panel.formed", target=panel,
                 data={"room": room.name, "examiners": [u.username for u in scorers], "leader": leader.username})
    return panel


def _points(raw, field: str, label: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("请填写%(what)s成绩。") % {"what": label}}) from None
    if not value.is_finite() or not Decimal(0) <= value <= 100:
        raise ValidationError({field: _("%(what)s成绩须在 0 到 100 之间。") % {"what": label}})
    return value.quantize(CENT, ROUND_HALF_UP)


@transaction.atomic
def review_submit(*, actor, panel_id: int, application_id: int, defence, performance, note: str = "") -> ReviewSheet:
    """One examiner's defence and performance-evaluation scores of one candidate; locked once submitted."""
    panel = (ReviewPanel.objects.select_for_update(of=("self",)).select_related("session__batch__announcement")
             .get(pk=panel_id))
    if not panel.examiners.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("只有本评审小组的考评员可以评分。"))
    if not SeatAssignment.objects.filter(session=panel.session, seat__room=panel.room,
                                         application_id=application_id).exists():
        raise ValidationError(_("该考生不在本考场。"))
    if panel.session.batch.results.exclude(status="draft").exists():
        raise ValidationError(_("本批次成绩已确认，不能再评分。"))
    d, p = _points(defence, "defence", _("答辩")), _points(performance, "performance", _("业绩评价"))
    if ReviewSheet.objects.filter(panel=panel, application_id=application_id, examiner=actor).exists():
        raise ValidationError(_("您已提交该考生的评分，不能修改。"))
    sheet = ReviewSheet.objects.create(panel=panel, application_id=application_id, examiner=actor, defence=d,
                                       performance=p, note=note.strip()[:500])
    audit.record(actor, "grading.review.scored", target=sheet,
                 data={"application": application_id, "defence": str(d), "performance": str(p)})
    return sheet


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values) / len(values)).quantize(CENT, ROUND_HALF_UP)


def review_scores(batch) -> dict[int, tuple[Decimal | None, Decimal | None, int, int]]:
    """application → (defence, performance, sheets submitted, examiners on the panel) over the batch's review
    panels; the scores are None until every examiner of the panel has submitted."""
    out: dict[int, tuple[Decimal | None, Decimal | None, int, int]] = {}
    for panel in ReviewPanel.objects.filter(session__batch=batch).prefetch_related("examiners", "sheets"):
        examiners = {u.pk for u in panel.examiners.all()}
        seated = SeatAssignment.objects.filter(session=panel.session, seat__room=panel.room).values_list(
            "application_id", flat=True)
        by_app: dict[int, list[ReviewSheet]] = {a: [] for a in seated}
        for sheet in panel.sheets.all():
            if sheet.examiner_id in examiners:
                by_app.setdefault(sheet.application_id, []).append(sheet)
        for app_id, sheets in by_app.items():
            done = len(sheets) == len(examiners)
            out[app_id] = (_mean([s.defence for s in sheets]) if done else None,
                           _mean([s.performance for s in sheets]) if done else None, len(sheets), len(examiners))
    return out
