"""Results (§6.5 成绩检录): each candidate's parts compiled from the scores, the level's pass rule, the review
(复核: totals recomputed from their inputs, anomalies listed), the chief's confirmation that locks them, and
changes after confirmation only with a reason and a second person's approval (§6.5.2).

Parts (§6.5.1, 100 points each): theory = the objective score of the current scoring run + the final marks of
its subjective scripts; practical = the work piece's score once the code map is open; the comprehensive review
for 技师/高级技师. A decision beside a score (表B.2) voids a part or scores it zero. A candidate passes when
every part their level requires is scored at or above the rule's minimum; the verdict stays open while any
part is pending.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.core import audit
from skillcert.core.errors import ValidationError
from skillcert.delivery.enums import AttemptStatus
from skillcert.delivery.models import Attempt
from skillcert.registration.models import Application
from skillcert.scheduling.enums import SessionKind, StaffRole
from skillcert.scheduling.models import Batch, SeatAssignment

from . import rules
from .models import (
    AttemptScore,
    ChangeStatus,
    DecisionKind,
    Part,
    PartState,
    PassRule,
    Result,
    ResultChange,
    ResultStatus,
    ScoreDecision,
    Script,
    ScriptStatus,
    WorkPiece,
)

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
    """application → (theory score, state, anomalies) from the computer-based sessions' current runs."""
    out: dict[int, tuple[Decimal | None, str, list[str]]] = {}
    attempts = Attempt.objects.filter(sitting__session__batch=batch).values_list("pk", "application_id", "status")
    scores = {s.attempt_id: s for s in AttemptScore.objects.filter(
        run__session__batch=batch, run__superseded_at__isnull=True).select_related("run")}
    # Marking belongs to the paper (one task per item and form), not to a scoring run: re-scoring the objective
    # items (say, after a key correction) keeps the marks.
    marked = dict(Script.objects.filter(task__paper__session__batch=batch, status=ScriptStatus.FINAL)
                  .values("attempt_id").annotate(s=Sum("final")).values_list("attempt_id", "s"))
    waiting = set(Script.objects.filter(task__paper__session__batch=batch).exclude(status=ScriptStatus.FINAL)
                  .values_list("attempt_id", flat=True))
    for attempt_id, application_id, status in attempts:
        if status == AttemptStatus.ABSENT:
            out[application_id] = (None, PartState.ABSENT, [])
            continue
        score = scores.get(attempt_id)
        if score is None:
            out[application_id] = (None, PartState.PENDING, [_("理论考试尚未评分")])
        elif score.to_mark and (attempt_id in waiting or attempt_id not in marked):
            out[application_id] = (None, PartState.PENDING, [_("主观题阅卷未完成")])
        else:
            out[application_id] = (score.objective + (marked.get(attempt_id) or 0), PartState.SCORED, [])
    return out


def _practical(batch: Batch) -> dict[int, tuple[Decimal | None, str, list[str]]]:
    out: dict[int, tuple[Decimal | None, str, list[str]]] = {}
    for piece in WorkPiece.objects.filter(panel__session__batch=batch, application__isnull=False):
        if piece.voided:
            out[piece.application_id] = (None, PartState.VOID, [piece.void_reason])
        elif piece.final is None:
            out[piece.application_id] = (None, PartState.PENDING, [_("实操评分未完成")])
        else:
            out[piece.application_id] = (piece.final, PartState.SCORED,
                                         [_("实操评分差异过大，组长已提示")] if piece.flagged else [])
    return out


def verdict(level, parts: dict[str, tuple[Decimal | None, str]]) -> bool | None:
    """The pass rule (§6.5.1): None while a required part is pending."""
    rule = PassRule.for_level(level)
    minimum = {Part.THEORY: rule.theory_min, Part.PRACTICAL: rule.practical_min, Part.REVIEW: rule.review_min}
    states = [state for _value, state in parts.values() if state != PartState.NOT_REQUIRED]
    if PartState.PENDING in states:
        return None
    return all(state in (PartState.SCORED, PartState.ZERO) and value is not None and value >= minimum[part]
               for part, (value, state) in parts.items() if state != PartState.NOT_REQUIRED)


@transaction.atomic
def results_compile(*, actor, batch_id: int) -> list[Result]:
    """统分 and 复核: recompute every candidate's parts from their inputs and list what needs attention. Draft
    results are rewritten each time; once confirmed, nothing is recompiled."""
    batch = _batch_for_office(actor, batch_id)
    Batch.objects.select_for_update().filter(pk=batch.pk).first()
    if _locked(batch):
        raise ValidationError(_("本批次成绩已确认，不能重新统分。"))
    kinds = set(batch.sessions.values_list("kind", flat=True))
    seated = set(SeatAssignment.objects.filter(session__batch=batch).values_list("application_id", flat=True))
    theory, practical = _theory(batch), _practical(batch)
    decisions = {(d.application_id, d.part): d for d in ScoreDecision.objects.filter(batch=batch)}
    now, results = timezone.now(), []
    for app in Application.objects.filter(pk__in=seated).select_related("offer__level").order_by("pk"):
        anomalies: list[str] = []
        parts: dict[str, tuple[Decimal | None, str]] = {}
        for part, table, kind_needed in ((Part.THEORY, theory, {SessionKind.THEORY_COMPUTER, SessionKind.THEORY_PAPER}),
                                         (Part.PRACTICAL, practical, {SessionKind.PRACTICAL})):
            value, state, notes = table.get(app.pk, (None, PartState.PENDING, []))
            if app.pk not in table:
                notes = [_("本批次没有该科目的考试") if not kinds & kind_needed else
                         _("%(part)s 尚无成绩") % {"part": Part(part).label}]
            parts[part] = (value, state)
            anomalies += notes
        parts[Part.REVIEW] = ((None, PartState.PENDING) if app.offer.level.requires_comprehensive_review
                              else (None, PartState.NOT_REQUIRED))
        if app.offer.level.requires_comprehensive_review:
            anomalies.append(_("综合评审（答辩、业绩评价）尚无成绩"))
        for part in Part.values:
            decision = decisions.get((app.pk, part))
            if decision:
                parts[part] = (None, PartState.VOID) if decision.kind == DecisionKind.VOID else (Decimal(0),
                                                                                                PartState.ZERO)
                anomalies.append(_("%(part)s：%(kind)s（%(reason)s）") % {
                    "part": Part(part).label, "kind": DecisionKind(decision.kind).label, "reason": decision.reason})
        for part, (value, _state) in parts.items():
            if value is not None and not Decimal(0) <= value <= FULL:
                anomalies.append(_("%(part)s 得分 %(v)s 超出百分制") % {"part": Part(part).label, "v": value})
        results.append(Result(batch=batch, application=app, theory=parts[Part.THEORY][0],
                              theory_state=parts[Part.THEORY][1], practical=parts[Part.PRACTICAL][0],
                              practical_state=parts[Part.PRACTICAL][1], review=parts[Part.REVIEW][0],
                              review_state=parts[Part.REVIEW][1], passed=verdict(app.offer.level, parts),
                              anomalies=list(dict.fromkeys(a for a in anomalies if a)), compiled_at=now))
    Result.objects.filter(batch=batch).delete()
    Result.objects.bulk_create(results)
    audit.record(actor, "grading.results.compiled", target=batch,
                 data={"results": len(results), "passed": sum(1 for r in results if r.passed),
                       "open": sum(1 for r in results if r.passed is None)})
    return results


@transaction.atomic
def results_confirm(*, actor, batch_id: int) -> int:
    """复核确认 by the chief examiner of the batch (§6.5.2): only when every verdict is decided; locks them."""
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    if not batch.sessions.filter(staff__user=actor, staff__role=StaffRole.CHIEF).exists():
        raise PermissionDenied(_("成绩由本批次的主考复核确认。"))
    drafts = batch.results.filter(status=ResultStatus.DRAFT)
    if not drafts.exists():
        raise ValidationError(_("没有待复核的成绩。"))
    if drafts.filter(passed__isnull=True).exists():
        raise ValidationError(_("还有 %(n)s 名考生的成绩未评定完，不能确认。")
                              % {"n": drafts.filter(passed__isnull=True).count()})
    count = drafts.update(status=ResultStatus.CONFIRMED, confirmed_by=actor, confirmed_at=timezone.now())
    audit.record(actor, "grading.results.confirmed", target=batch, data={"results": count})
    return count


def _value(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"new": _("请填写分数。")}) from None
    if not value.is_finite() or not Decimal(0) <= value <= FULL:
        raise ValidationError({"new": _("分数须在 0 到 100 之间。")})
    return value


@transaction.atomic
def change_request(*, actor, result_id: int, part: str, new, reason: str) -> ResultChange:
    """更正 a confirmed result: the new score and the reason; applied only when another person approves."""
    result = Result.objects.select_for_update().select_related("batch__announcement").get(pk=result_id)
    if not rules.scores_batch(actor, result.batch):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以申请更正成绩。"))
    if result.status == ResultStatus.DRAFT:
        raise ValidationError(_("成绩尚未确认：请重新统分。"))
    if part not in Part.values:
        raise ValidationError({"part": _("科目无效。")})
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
    change = ResultChange.objects.select_for_update().select_related("result__batch__announcement",
                                                                     "result__application__offer__level").get(
        pk=change_id)
    result = change.result
    if not rules.scores_batch(actor, result.batch):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以审批更正。"))
    if actor.pk == change.requested_by_id:
        raise PermissionDenied(_("更正须由申请人以外的另一人审批。"))
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(_("该更正已处理。"))
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.decided_by, change.decided_at = actor, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        Result.objects.select_for_update().filter(pk=result.pk).first()
        setattr(result, change.part, change.new)
        setattr(result, f"{change.part}_state", PartState.SCORED)
        parts = {p: (getattr(result, p), getattr(result, f"{p}_state")) for p in Part.values}
        result.passed = verdict(result.application.offer.level, parts)
        result.save(update_fields=[change.part, f"{change.part}_state", "passed"])
    audit.record(actor, "grading.result.change_decided", target=change,
                 data={"approved": approve, "part": change.part, "new": str(change.new)})
    return change


@transaction.atomic
def results_publish(*, actor, batch_id: int) -> int:
    """发布 (§10.7): until now no candidate-facing page or API shows a score or a verdict. Only a body admin
    publishes, only confirmed results, and every candidate is told."""
    from skillcert.accounts import rules as accounts_rules
    from skillcert.accounts.enums import Role
    from skillcert.core.notify import notify

    batch = Batch.objects.select_for_update().select_related("announcement").get(pk=batch_id)
    if not accounts_rules.has_role(actor, Role.BODY_ADMIN, org=batch.announcement.body_id):
        raise PermissionDenied(_("只有机构管理员可以发布认定成绩。"))
    confirmed = list(batch.results.filter(status=ResultStatus.CONFIRMED).select_related("application__candidate"))
    if not confirmed:
        raise ValidationError(_("没有已复核确认、待发布的成绩。"))
    if batch.results.filter(status=ResultStatus.DRAFT).exists():
        raise ValidationError(_("还有未复核确认的成绩，不能发布。"))
    now = timezone.now()
    Result.objects.filter(pk__in=[r.pk for r in confirmed]).update(status=ResultStatus.PUBLISHED, published_at=now)
    from django.urls import reverse

    for r in confirmed:
        notify(r.application.candidate, _("%(batch)s 认定成绩已发布") % {"batch": batch.name},
               _("请登录查看您的认定成绩。"), reverse("portal:application_detail", args=[r.application_id]))
    audit.record(actor, "grading.results.published", target=batch, data={"results": len(confirmed)})
    return len(confirmed)


def published_result(application) -> Result | None:
    """What a candidate may see (§10.7): their result once published — nothing before."""
    return (Result.objects.filter(application=application, status=ResultStatus.PUBLISHED)
            .order_by("-published_at").first())


EXPORT_ROLES = ("body_admin", "exam_affairs", "quality_supervisor")


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
