"""Results (§6.5 成绩检录): each candidate's parts compiled from the scores, the level's pass rule, the review
(复核: totals recomputed from their inputs, anomalies listed), the chief's confirmation that locks them,
changes after confirmation only with a reason and a second person's approval (§6.5.2), publication, and the
candidates' re-check requests (成绩复核申请) within the window publication opens.

Parts (§6.5.1, 100 points each): theory = the score of the current scoring run (computer-based attempts, or
answer sheets of a paper session with the scores marked on its scripts) + the final marks of its subjective
scripts; practical = the work piece's score once the code map is open (no piece then: absent); the
comprehensive review for 技师/高级技师 = the weighted mean of the review panel's mean defence and performance
scores, needed only by who passed theory and practical. A decision beside a score (表B.2) voids a part or scores
it zero. A candidate passes when theory and practical reach the rule's minimum and, where required, the review
passes under the level's rule; the verdict stays open while a part that decides it is pending.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import duties
from skillcert.core import audit
from skillcert.core.errors import ValidationError
from skillcert.core.statemachine import transition, transition_many
from skillcert.delivery.enums import AttemptStatus
from skillcert.delivery.models import Attempt
from skillcert.registration.models import Application
from skillcert.scheduling.enums import SessionKind, StaffRole
from skillcert.scheduling.models import Batch, SeatAssignment

from . import rules
from .models import (
    AttemptScore,
    ChangePart,
    ChangeStatus,
    DecisionKind,
    Part,
    PartState,
    PassRule,
    PracticalPanel,
    RecheckRequest,
    RecheckStatus,
    Result,
    ResultChange,
    ResultRelease,
    ResultStatus,
    ScoreDecision,
    Script,
    ScriptStatus,
    WorkPiece,
)
from .practical import sits
from .review import review_scores

FULL = Decimal("100")


def _batch_for_office(actor, batch_id: int) -> Batch:
    batch = Batch.objects.select_related("announcement").get(pk=batch_id)
    if not rules.scores_batch(actor, batch):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以统分。"))
    return batch


def _locked(batch: Batch) -> bool:
    return batch.results.exclude(status=ResultStatus.DRAFT).exists()


@transaction.atomic
def score_decide(*, actor, batch_id: int, application_id: int, part: str, kind: str, reason: str) -> ScoreDecision:
    """成绩作废 or 按零分处理 for one part of one candidate (表B.2), with the reason — before confirmation."""
    batch = _batch_for_office(actor, batch_id)
    if part not in Part.values or kind not in DecisionKind.values:
        raise ValidationError(_("处理方式无效。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明原因。")})
    if not SeatAssignment.objects.filter(session__batch=batch, application_id=application_id).exists():
        raise ValidationError(_("该考生不在本批次。"))
    if _locked(batch):
        raise ValidationError(_("本批次成绩已确认，请走更正流程。"))
    decision, _created = ScoreDecision.objects.update_or_create(
        batch=batch, application_id=application_id, part=part,
        defaults={"kind": kind, "reason": reason.strip()[:300], "decided_by": actor})
    audit.record(actor, "grading.score.decided", target=decision,
                 data={"application": application_id, "part": part, "kind": kind, "reason": decision.reason})
    return decision


def _theory(batch: Batch) -> dict[int, tuple[Decimal | None, str, list[str]]]:
    """application → (theory score, state, anomalies) from the current scoring runs of the batch's theory papers
    (computer-based attempts and counted answer sheets alike)."""
    out: dict[int, tuple[Decimal | None, str, list[str]]] = {}
    attempts = Attempt.objects.filter(sitting__session__batch=batch).values_list("pk", "application_id", "status",
                                                                                 "submitted_at")
    scores = {s.attempt_id: s for s in AttemptScore.objects.filter(
        run__session__batch=batch, run__superseded_at__isnull=True).select_related("run")}
    # Marking belongs to the paper (one task per item and form), not to a scoring run: re-scoring the objective
    # items (say, after a key correction) keeps the marks.
    marked = dict(Script.objects.filter(task__paper__session__batch=batch, status=ScriptStatus.FINAL)
                  .values("attempt_id").annotate(s=Sum("final")).values_list("attempt_id", "s"))
    waiting = set(Script.objects.filter(task__paper__session__batch=batch).exclude(status=ScriptStatus.FINAL)
                  .values_list("attempt_id", flat=True))
    for attempt_id, application_id, status, submitted_at in attempts:
        if status == AttemptStatus.ABSENT:
            out[application_id] = (None, PartState.ABSENT, [])
            continue
        score = scores.get(attempt_id)
        if score is None:
            out[application_id] = (None, PartState.PENDING, [_("理论考试尚未评分")])
        elif submitted_at and submitted_at > score.run.started_at:  # an answer sheet read again after scoring
            out[application_id] = (None, PartState.PENDING, [_("答题卡在评分后重新录入，请重新评分")])
        elif score.to_mark and (attempt_id in waiting or attempt_id not in marked):
            out[application_id] = (None, PartState.PENDING, [_("主观题阅卷未完成")])
        else:
            out[application_id] = (score.objective + (marked.get(attempt_id) or 0), PartState.SCORED, [])
    return out


def _practical(batch: Batch) -> dict[int, tuple[Decimal | None, str, list[str]]]:
    """application → (practical score, state, anomalies). Once a room's code map is open every piece handed in is
    known: a candidate of that room with no piece did not sit the practical (缺考)."""
    out: dict[int, tuple[Decimal | None, str, list[str]]] = {}
    for panel in PracticalPanel.objects.filter(session__batch=batch, unsealed_at__isnull=False
                                               ).select_related("paper__bank"):
        for application_id in sits(panel).values_list("application_id", flat=True):
            out[application_id] = (None, PartState.ABSENT, [])
    for piece in WorkPiece.objects.filter(panel__session__batch=batch, application__isnull=False):
        if piece.voided:
            out[piece.application_id] = (None, PartState.VOID, [piece.void_reason])
        elif piece.final is None:
            out[piece.application_id] = (None, PartState.PENDING, [_("实操评分未完成")])
        else:
            out[piece.application_id] = (piece.final, PartState.SCORED,
                                         [_("实操评分差异过大，组长已提示")] if piece.flagged else [])
    return out


def verdict(level, parts: dict[str, tuple[Decimal | None, str]], defence: Decimal | None = None,
            performance: Decimal | None = None) -> bool | None:
    """The pass rule (§6.5.1): theory and practical each at or above their minimum and, for 技师/高级技师,
    the comprehensive review passed (``PassRule.review_passes``). None while a part that decides it is pending;
    a candidate who failed theory or practical has failed whatever the review."""
    rule = PassRule.for_level(level)
    minimum = {Part.THEORY: rule.theory_min, Part.PRACTICAL: rule.practical_min}

    def ok(part) -> bool:
        value, state = parts[part]
        return state in (PartState.SCORED, PartState.ZERO) and value is not None and value >= minimum[part]

    base = [p for p in (Part.THEORY, Part.PRACTICAL) if parts[p][1] != PartState.NOT_REQUIRED]
    if any(parts[p][1] == PartState.PENDING for p in base):
        return None
    if not all(ok(p) for p in base):
        return False
    review, state = parts.get(Part.REVIEW, (None, PartState.NOT_REQUIRED))
    if state == PartState.NOT_REQUIRED:
        return True
    if state == PartState.PENDING:
        return None
    if state != PartState.SCORED:
        return False
    return rule.review_passes(review, defence, performance)


def _apply_decision(decision: ScoreDecision | None, parts: dict, anomalies: list[str]) -> None:
    """A decision beside a score (表B.2) replaces the part: void, or zero."""
    if decision:
        parts[decision.part] = ((None, PartState.VOID) if decision.kind == DecisionKind.VOID
                                else (Decimal(0), PartState.ZERO))
        anomalies.append(_("%(part)s：%(kind)s（%(reason)s）") % {
            "part": Part(decision.part).label, "kind": DecisionKind(decision.kind).label, "reason": decision.reason})


PART_KINDS = {Part.THEORY: (SessionKind.THEORY_COMPUTER, SessionKind.THEORY_PAPER),
              Part.PRACTICAL: (SessionKind.PRACTICAL,), Part.REVIEW: (SessionKind.REVIEW,)}
DECIDED = (PartState.SCORED, PartState.ZERO, PartState.VOID, PartState.ABSENT)


def open_sittings(batch: Batch, now=None) -> list[str]:
    """The sittings of ``batch`` not yet over: a computer-based room running, paused or (before the session's end)
    waiting to start; a session on paper, a practical or a review before its scheduled end. Results are compiled
    only when this is empty (§6.5: 成绩检录 follows the examination)."""
    from skillcert.delivery.enums import RoomState

    now = now or timezone.now()
    out: list[str] = []
    for session in batch.sessions.order_by("starts_at", "pk"):
        sittings = list(session.sittings.select_related("room")) if session.kind == SessionKind.THEORY_COMPUTER else []
        for sitting in sittings:
            if sitting.state in (RoomState.RUNNING, RoomState.PAUSED) or (
                    sitting.state == RoomState.WAITING and session.ends_at > now):
                out.append(_("%(session)s · %(room)s（%(state)s）") % {
                    "session": session, "room": sitting.room.name, "state": sitting.get_state_display()})
        if not sittings and session.ends_at > now:
            out.append(_("%(session)s（%(state)s，%(end)s 结束）") % {
                "session": session, "state": _("进行中") if session.starts_at <= now else _("尚未开始"),
                "end": f"{timezone.localtime(session.ends_at):%Y-%m-%d %H:%M}"})
    return out


def _seated_parts(batch: Batch) -> dict[int, set[str]]:
    """application → the parts it has a seat for in ``batch``."""
    kinds = {k: p for p, ks in PART_KINDS.items() for k in ks}
    out: dict[int, set[str]] = {}
    for application_id, kind in SeatAssignment.objects.filter(session__batch=batch).values_list(
            "application_id", "session__kind"):
        out.setdefault(application_id, set()).add(kinds[kind])
    return out


def _elsewhere(batch: Batch, application_id: int, part: str) -> tuple[Decimal | None, str, list[str], tuple]:
    """A part the candidate does not sit in ``batch`` (§6.5.1: each part counts wherever it was sat): the part as
    decided in the latest other batch where the candidate had a seat for it, once that batch's results are
    confirmed; awaited while they are not, or while no batch has seated the candidate for it.
    Returns (value, state, notes, (defence, performance))."""
    label = Part(part).label
    seat = (SeatAssignment.objects.filter(application_id=application_id, session__kind__in=PART_KINDS[part])
            .exclude(session__batch=batch).select_related("session__batch").order_by("-session__starts_at").first())
    if seat is None:
        return None, PartState.PENDING, [_("%(part)s成绩待出（未安排）") % {"part": label}], (None, None)
    other = seat.session.batch
    prior = (Result.objects.filter(batch=other, application_id=application_id)
             .exclude(status=ResultStatus.DRAFT).first())
    state = getattr(prior, f"{part}_state", None)
    if prior is None or state not in DECIDED:
        return None, PartState.PENDING, [_("%(part)s成绩待出（%(batch)s）") % {"part": label, "batch": other.name}], (
            None, None)
    return (getattr(prior, part), state, [_("%(part)s成绩取自%(batch)s") % {"part": label, "batch": other.name}],
            (prior.defence, prior.performance) if part == Part.REVIEW else (None, None))


def awaited(result: Result, seated: set[str]) -> list[str]:
    """The parts of ``result`` still awaited from another batch or not yet arranged (``seated``: the parts the
    candidate sits in the result's batch), labelled for the pages: the verdict waits for them, this batch's
    confirmation and publication do not."""
    return [str(Part(p).label) for p in Part.values
            if getattr(result, f"{p}_state") == PartState.PENDING and p not in seated]


def state_labels(batch: Batch, rows: list[Result]) -> None:
    """Sets ``r.state_label`` (part → what the pages print) on each result: a pending part the candidate does not
    sit in this batch reads 成绩待出 (awaited from another batch or not yet arranged), not 评分未完成."""
    seated = _seated_parts(batch)
    for r in rows:
        waiting = set(awaited(r, seated.get(r.application_id, set())))
        r.state_label = {p: (_("成绩待出") if str(Part(p).label) in waiting else getattr(r, f"get_{p}_state_display")())
                         for p in Part.values}


@transaction.atomic
def results_compile(*, actor, batch_id: int) -> list[Result]:
    """统分 and 复核: recompute every candidate's parts from their inputs and list what needs attention. Draft
    results are rewritten each time; once confirmed, nothing is recompiled. Only once every sitting of the batch
    is over (``open_sittings``). A part the candidate sat in another batch is taken from there (§6.5.1); a part
    not yet sat anywhere is shown as awaited (成绩待出), not as a scoring in progress."""
    batch = _batch_for_office(actor, batch_id)
    Batch.objects.select_for_update().filter(pk=batch.pk).first()
    if _locked(batch):
        raise ValidationError(_("本批次成绩已确认，不能重新统分。"))
    running = open_sittings(batch)
    if running:
        raise ValidationError(_("以下考场或场次尚未结束，结束后才能统分：%(list)s")
                              % {"list": "；".join(running)})
    seated_parts = _seated_parts(batch)
    theory, practical, reviewed = _theory(batch), _practical(batch), review_scores(batch)
    decisions = {(d.application_id, d.part): d for d in ScoreDecision.objects.filter(batch=batch)}
    now, results = timezone.now(), []
    for app in Application.objects.filter(pk__in=seated_parts).select_related("offer__level").order_by("pk"):
        here = seated_parts[app.pk]
        anomalies: list[str] = []
        parts: dict[str, tuple[Decimal | None, str]] = {}
        for part, table in ((Part.THEORY, theory), (Part.PRACTICAL, practical)):
            if part in here:
                value, state, notes = table.get(app.pk, (None, PartState.PENDING, []))
                if app.pk not in table:
                    notes = [_("%(part)s 尚无成绩") % {"part": Part(part).label}]
            else:
                value, state, notes, _review = _elsewhere(batch, app.pk, part)
            parts[part] = (value, state)
            anomalies += notes
            _apply_decision(decisions.get((app.pk, part)), parts, anomalies)
        defence = performance = None
        parts[Part.REVIEW] = (None, PartState.NOT_REQUIRED)
        if app.offer.level.requires_comprehensive_review:
            # §6.5.1: the review follows passing theory and practical; who failed either does not need it.
            if verdict(app.offer.level, parts) is not False:
                if Part.REVIEW in here:
                    defence, performance, done, panel = reviewed.get(app.pk, (None, None, 0, 0))
                    if defence is not None:
                        score = PassRule.for_level(app.offer.level).review_score(defence, performance)
                        parts[Part.REVIEW] = (score, PartState.SCORED)
                    else:
                        parts[Part.REVIEW] = (None, PartState.PENDING)
                        anomalies.append(_("综合评审尚无成绩") if not panel else
                                         _("综合评审评分未完成（%(done)s/%(panel)s）") % {"done": done, "panel": panel})
                else:
                    value, state, notes, (defence, performance) = _elsewhere(batch, app.pk, Part.REVIEW)
                    parts[Part.REVIEW] = (value, state)
                    anomalies += notes
        _apply_decision(decisions.get((app.pk, Part.REVIEW)), parts, anomalies)
        for part, (value, _state) in parts.items():
            if value is not None and not Decimal(0) <= value <= FULL:
                anomalies.append(_("%(part)s 得分 %(v)s 超出百分制") % {"part": Part(part).label, "v": value})
        results.append(Result(batch=batch, application=app, theory=parts[Part.THEORY][0],
                              theory_state=parts[Part.THEORY][1], practical=parts[Part.PRACTICAL][0],
                              practical_state=parts[Part.PRACTICAL][1], review=parts[Part.REVIEW][0],
                              review_state=parts[Part.REVIEW][1], defence=defence, performance=performance,
                              passed=verdict(app.offer.level, parts, defence, performance),
                              anomalies=list(dict.fromkeys(a for a in anomalies if a)), compiled_at=now))
    Result.objects.filter(batch=batch).delete()
    Result.objects.bulk_create(results)
    audit.record(actor, "grading.results.compiled", target=batch,
                 data={"results": len(results), "passed": sum(1 for r in results if r.passed),
                       "open": sum(1 for r in results if r.passed is None)})
    return results


def _open_here(batch: Batch, drafts) -> list[Result]:
    """Undecided results whose pending part is one the candidate sits in this batch (not awaited elsewhere)."""
    seated = _seated_parts(batch)
    return [r for r in drafts.filter(passed__isnull=True)
            if any(getattr(r, f"{p}_state") == PartState.PENDING and p in seated.get(r.application_id, set())
                   for p in Part.values)]


@transaction.atomic
def results_confirm(*, actor, batch_id: int) -> int:
    """复核确认 by the chief examiner of the batch (§6.5.2): only when every verdict is decided; locks them."""
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    if not batch.sessions.filter(staff__user=actor, staff__role=StaffRole.CHIEF).exists():
        raise PermissionDenied(_("成绩由本批次的主考复核确认。"))
    drafts = batch.results.filter(status=ResultStatus.DRAFT)
    if not drafts.exists():
        raise ValidationError(_("没有待复核的成绩。"))
    # A part the candidate sits in another batch (or not yet anywhere) does not hold this batch's confirmation:
    # its verdict stays open until that part is in.
    waiting = _open_here(batch, drafts)
    if waiting:
        raise ValidationError(_("还有 %(n)s 名考生的成绩未评定完，不能确认。") % {"n": len(waiting)})
    count = transition_many(drafts, ResultStatus.CONFIRMED, confirmed_by=actor, confirmed_at=timezone.now())
    audit.record(actor, "grading.results.confirmed", target=batch, data={"results": count})
    return count


def _value(raw, field: str = "new") -> Decimal:
    """A score on 100 points, or a ValidationError naming ``field``."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("请填写分数。")}) from None
    if not value.is_finite() or not Decimal(0) <= value <= FULL:
        raise ValidationError({field: _("分数须在 0 到 100 之间。")})
    return value


@transaction.atomic
def change_request(*, actor, result_id: int, part: str, new, reason: str) -> ResultChange:
    """更正 a confirmed result: the new score and the reason; applied only when another person approves."""
    result = Result.objects.select_for_update(of=("self",)).select_related("batch__announcement").get(pk=result_id)
    if not rules.scores_batch(actor, result.batch):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以申请更正成绩。"))
    if result.status == ResultStatus.DRAFT:
        raise ValidationError(_("成绩尚未确认：请重新统分。"))
    if part not in ChangePart.values:
        raise ValidationError({"part": _("科目无效。")})
    if part in (ChangePart.DEFENCE, ChangePart.PERFORMANCE) and result.review_state == PartState.NOT_REQUIRED:
        raise ValidationError({"part": _("该考生不需要综合评审。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请写明更正原因。")})
    change = ResultChange.objects.create(result=result, part=part, old=getattr(result, part), new=_value(new),
                                         reason=reason.strip()[:300], requested_by=actor)
    audit.record(actor, "grading.result.change_requested", target=change,
                 data={"part": part, "old": None if change.old is None else str(change.old), "new": str(change.new),
                       "reason": change.reason})
    return change


@transaction.atomic
def change_decide(*, actor, change_id: int, approve: bool) -> ResultChange:
    """The second person approves (the change is applied and the verdict recomputed) or rejects it."""
    # The result is locked with the change (of="result"): an approval rewrites it and recomputes the verdict from
    # its other parts, which must not move between this read and that write.
    change = (ResultChange.objects.select_for_update(of=("self", "result"))
              .select_related("result__batch__announcement", "result__application__offer__level").get(pk=change_id))
    result = change.result
    if not rules.scores_batch(actor, result.batch):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以审批更正。"))
    duties.require_different(duties.RESULT_CORRECTION, actor, change.requested_by_id)
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(_("该更正已处理。"))
    transition(change, ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED, decided_by=actor,
               decided_at=timezone.now())
    if approve:
        Result.objects.select_for_update().filter(pk=result.pk).first()
        setattr(result, change.part, change.new)
        fields = [change.part, "passed"]
        if change.part in (ChangePart.DEFENCE, ChangePart.PERFORMANCE):
            # The review follows its two scores; until both exist it stays as it was.
            if result.defence is not None and result.performance is not None:
                rule = PassRule.for_level(result.application.offer.level)
                result.review = rule.review_score(result.defence, result.performance)
                transition(result, PartState.SCORED, field="review_state", save=False)
                fields += ["review", "review_state"]
        else:
            transition(result, PartState.SCORED, field=f"{change.part}_state", save=False)
            fields.append(f"{change.part}_state")
        parts = {p: (getattr(result, p), getattr(result, f"{p}_state")) for p in Part.values}
        result.passed = verdict(result.application.offer.level, parts, result.defence, result.performance)
        result.save(update_fields=fields)
    recheck = RecheckRequest.objects.filter(change=change).first()
    if recheck and approve:
        _tell(result, _("成绩已更正"), _("经成绩复核，您的%(part)s成绩已更正为 %(new)s。")
              % {"part": ChangePart(change.part).label, "new": change.new})
    audit.record(actor, "grading.result.change_decided", target=change,
                 data={"approved": approve, "part": change.part, "new": str(change.new)})
    return change


RECHECK_DAYS = 15  # 成绩复核申请 window after publication, unless the publisher sets another


@transaction.atomic
def results_publish(*, actor, batch_id: int, recheck_days: int = RECHECK_DAYS) -> int:
    """发布 (§10.7): until now no candidate-facing page or API shows a score or a verdict. Only a body admin
    publishes, only confirmed results, and every candidate is told; publication opens the window for
    成绩复核申请 (``recheck_days``, 1–60)."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("announcement").get(pk=batch_id)
    if not rules.publishes(actor, batch):
        raise PermissionDenied(_("只有机构管理员可以发布认定成绩。"))
    if not isinstance(recheck_days, int) or not 1 <= recheck_days <= 60:
        raise ValidationError({"recheck_days": _("成绩复核申请期限须为 1 到 60 天。")})
    confirmed = list(batch.results.filter(status=ResultStatus.CONFIRMED).select_related("application__candidate"))
    if not confirmed:
        raise ValidationError(_("没有已复核确认、待发布的成绩。"))
    if batch.results.filter(status=ResultStatus.DRAFT).exists():
        raise ValidationError(_("还有未复核确认的成绩，不能发布。"))
    now = timezone.now()
    transition_many(Result.objects.filter(pk__in=[r.pk for r in confirmed]), ResultStatus.PUBLISHED, published_at=now)
    release, _created = ResultRelease.objects.update_or_create(
        batch=batch, defaults={"published_by": actor, "recheck_until": now + dt.timedelta(days=recheck_days)})
    until = timezone.localtime(release.recheck_until)
    _tell_all(confirmed, _("%(batch)s 认定成绩已发布") % {"batch": batch.name},
              _("请登录查看您的认定成绩。如对成绩有异议，可在 %(until)s 前申请成绩复核。")
              % {"until": f"{until:%Y-%m-%d %H:%M}"})
    audit.record(actor, "grading.results.published", target=batch,
                 data={"results": len(confirmed), "recheck_until": release.recheck_until.isoformat()})
    return len(confirmed)


def _tell_all(results: list[Result], subject: str, body: str) -> None:
    """Every candidate of ``results`` told at once: one INSERT of notifications, their mail queued after the
    commit as one task (issue #21 item 7: the publishing request sends no mail)."""
    from django.urls import reverse

    from skillcert.core.notify import notify_many

    notify_many((r.application.candidate, subject, body, reverse("portal:application_detail", args=[r.application_id]))
                for r in results)


def _tell(result: Result, subject: str, body: str) -> None:
    from django.urls import reverse

    from skillcert.core.notify import notify

    notify(result.application.candidate, subject, body,
           reverse("portal:application_detail", args=[result.application_id]))


@transaction.atomic
def recheck_request(*, actor, result_id: int, part: str, reason: str) -> RecheckRequest:
    """成绩复核申请 by the candidate: one part of their published result, within the window publication opened,
    once per part."""
    result = (Result.objects.select_for_update(of=("self",)).select_related("application", "batch__announcement")
              .get(pk=result_id))
    if result.application.candidate_id != actor.pk:
        raise PermissionDenied(_("只能申请复核自己的成绩。"))
    if result.status != ResultStatus.PUBLISHED:
        raise ValidationError(_("成绩尚未发布。"))
    release = ResultRelease.objects.filter(batch=result.batch).first()
    if release is None or timezone.now() > release.recheck_until:
        raise ValidationError(_("已超过成绩复核申请期限。"))
    if part not in Part.values or getattr(result, f"{part}_state") in (PartState.NOT_REQUIRED, PartState.ABSENT,
                                                                        PartState.PENDING):
        raise ValidationError({"part": _("该科目没有可以复核的成绩。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请写明申请复核的理由。")})
    if RecheckRequest.objects.filter(result=result, part=part).exists():
        raise ValidationError({"part": _("该科目已申请过复核。")})
    recheck = RecheckRequest.objects.create(result=result, part=part, reason=reason.strip()[:500])
    audit.record(actor, "grading.recheck.requested", target=recheck, data={"part": part, "reason": recheck.reason})
    return recheck


@transaction.atomic
def recheck_handle(*, actor, recheck_id: int, outcome: str, response: str, change_part: str = "",
                   new=None) -> RecheckRequest:
    """The office answers a re-check request after checking the part again from its inputs: the score stands,
    or it was wrong — then a correction is requested (applied only when a second person approves it)."""
    recheck = (RecheckRequest.objects.select_for_update(of=("self",))
               .select_related("result__batch__announcement", "result__application__candidate").get(pk=recheck_id))
    if not rules.scores_batch(actor, recheck.result.batch):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以处理成绩复核申请。"))
    if recheck.status != RecheckStatus.PENDING:
        raise ValidationError(_("该复核申请已答复。"))
    if outcome not in (RecheckStatus.UPHELD, RecheckStatus.CORRECTED):
        raise ValidationError({"outcome": _("请选择复核结论。")})
    if not response.strip():
        raise ValidationError({"response": _("请填写复核答复。")})
    if outcome == RecheckStatus.CORRECTED:
        change_part = change_part or recheck.part
        if recheck.part == Part.REVIEW and change_part not in (ChangePart.DEFENCE, ChangePart.PERFORMANCE):
            raise ValidationError({"change_part": _("综合评审请选择更正答辩或业绩评价成绩。")})
        if recheck.part != Part.REVIEW and change_part != recheck.part:
            raise ValidationError({"change_part": _("只能更正申请复核的科目。")})
        recheck.change = change_request(actor=actor, result_id=recheck.result_id, part=change_part, new=new,
                                        reason=_("成绩复核：%(r)s") % {"r": response.strip()[:280]})
    transition(recheck, outcome, response=response.strip()[:500], handled_by=actor, handled_at=timezone.now(),
               change=recheck.change)
    _tell(recheck.result, _("成绩复核申请已答复"), recheck.response)
    audit.record(actor, "grading.recheck.handled", target=recheck,
                 data={"outcome": outcome, "response": recheck.response,
                       "change": recheck.change_id})
    return recheck


def recheck_options(result: Result) -> dict:
    """What the candidate's page offers: the window, the parts they may still ask about, their requests."""
    release = ResultRelease.objects.filter(batch_id=result.batch_id).first()
    asked = list(result.rechecks.all())
    open_ = release is not None and timezone.now() <= release.recheck_until
    parts = [(p, Part(p).label) for p in Part.values
             if getattr(result, f"{p}_state") in (PartState.SCORED, PartState.ZERO, PartState.VOID)
             and p not in {r.part for r in asked}]
    return {"until": release.recheck_until if release else None, "open": open_, "parts": parts if open_ else [],
            "requests": asked}


def published_result(application) -> Result | None:
    """What a candidate may see (§10.7): their result once published — nothing before."""
    return (Result.objects.filter(application=application, status=ResultStatus.PUBLISHED)
            .order_by("-published_at").first())


def export_document(batch: Batch) -> dict:
    """The confirmed results of a batch for the supervising platform (§6.5.2 认定结果导入监管平台): the step
    between the chief's confirmation and publication. Format ``skillcert.results/1`` (docs/api.md)."""
    rows = (batch.results.exclude(status=ResultStatus.DRAFT)
            .select_related("application__offer__occupation", "application__offer__trade",
                            "application__offer__level", "confirmed_by").order_by("application_id"))
    body = batch.announcement.body

    def number(value):
        return None if value is None else str(value)

    results = [{
        "application_id": r.application_id, "name": r.application.full_name, "id_type": r.application.id_type,
        "id_number": r.application.id_number, "occupation_code": r.application.offer.occupation.code,
        "trade": r.application.offer.trade.name if r.application.offer.trade_id else "",
        "level": r.application.offer.level.number, "level_name": r.application.offer.level.name,
        "theory": number(r.theory), "theory_state": r.theory_state,
        "practical": number(r.practical), "practical_state": r.practical_state,
        "review": number(r.review), "review_state": r.review_state,
        "passed": r.passed, "status": r.status,
        "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
        "published_at": r.published_at.isoformat() if r.published_at else None,
    } for r in rows]
    return {"format": "skillcert.results/1", "generated_at": timezone.localtime().isoformat(),
            "body": {"name": body.name, "region_code": body.region_code},
            "batch": {"id": batch.pk, "name": batch.name, "announcement": batch.announcement.title},
            "count": len(results), "passed": sum(1 for r in results if r["passed"]), "results": results}


@transaction.atomic
def pass_rule_save(*, actor, level_id: int, theory_min, practical_min, review_min, review_mode: str,
                   defence_weight) -> PassRule:
    """合格标准 of a level (§6.5.1), kept with the catalogue by the platform admin: each part's minimum on 100
    points, and how the comprehensive review passes (defence and performance each, or their weighted score)."""
    from skillcert.accounts import rules as accounts_rules
    from skillcert.catalog.models import Level

    from .models import ReviewMode

    if not accounts_rules.can_edit_catalog(actor):
        raise PermissionDenied(_("只有平台管理员可以修改合格标准。"))
    level = Level.objects.get(pk=level_id)
    values = {"theory_min": _value(theory_min, "theory_min"), "review_min": _value(review_min, "review_min"),
              "practical_min": _value(practical_min, "practical_min")}
    if review_mode not in ReviewMode.values:
        raise ValidationError({"review_mode": _("综合评审合格规则无效。")})
    try:
        weight = int(str(defence_weight).strip())
    except ValueError:
        weight = -1
    if not 0 <= weight <= 100:
        raise ValidationError({"defence_weight": _("答辩成绩权重须为 0 到 100 的整数。")})
    rule = PassRule.objects.select_for_update().filter(level=level).first() or PassRule(level=level)
    before = {f: str(getattr(rule, f)) for f in (*values, "review_mode", "defence_weight")}
    for field, value in {**values, "review_mode": review_mode, "defence_weight": weight}.items():
        setattr(rule, field, value)
    rule.save()
    audit.record(actor, "grading.pass_rule.saved", target=level,
                 data={"before": before, "after": {f: str(getattr(rule, f)) for f in before}})
    return rule
