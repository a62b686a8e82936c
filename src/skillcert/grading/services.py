"""Grading services (§6.3.3 阅卷): permission → validate → lock → write → audit, in one transaction."""

from __future__ import annotations

import hashlib
import json
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import duties
from skillcert.accounts.enums import Role
from skillcert.core import audit
from skillcert.core.errors import ValidationError
from skillcert.core.statemachine import transition, transition_many
from skillcert.delivery.enums import OPEN_ATTEMPT, AttemptStatus
from skillcert.delivery.models import Answer, Attempt
from skillcert.itembank import services as bank_services
from skillcert.papers import services as paper_services
from skillcert.papers.models import Paper, PaperItem
from skillcert.scheduling.enums import SessionKind
from skillcert.scheduling.models import ExamSession

from . import rules
from .models import (
    AttemptScore,
    ItemAnalysis,
    Mark,
    MarkingTask,
    ScoringRun,
    Script,
    ScriptStatus,
    SimilarityScreening,
    TaskStatus,
)
from .scoring import AUTO_TYPES, ZERO, MultipleRule, is_correct, response_code, score_item

BATCH = 2000


def _key_items(actor, paper: Paper) -> tuple[str, dict[int, dict[int, dict]]]:
    """The sealed key (参考答案及评分标准), opened for grading (audited by the papers app): its digest and,
    per form, each position's type, points and answer."""
    key = paper_services.open_key_for_grading(actor=actor, paper=paper)
    digest = hashlib.sha256(json.dumps(key, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    forms = {f["form"]: {it["position"]: it for it in f["items"]} for f in key["forms"]}
    return digest, forms


def score_attempt(items: dict[int, dict], answers: dict[int, object], rule: str,
                  marked: dict[int, Decimal] | None = None) -> tuple[Decimal, dict, int]:
    """(total, per-position points or None, number of items left to people) — pure. ``marked``: the points of
    subjective items already marked on a paper script (entered with its answer sheet)."""
    total, out, to_mark = ZERO, {}, 0
    for position, it in items.items():
        points = score_item(it["type"], it["answer"], Decimal(it["points"]), answers.get(position), rule)
        if points is None and marked and position in marked:
            points = marked[position]
        out[str(position)] = None if points is None else str(points)
        if points is None:
            to_mark += 1
        else:
            total += points
    return total, out, to_mark


@transaction.atomic
def score_session(*, actor, session_id: int, paper_id: int,
                  multiple_rule: str = MultipleRule.ALL_OR_NOTHING) -> ScoringRun:
    """Score every computer-based attempt of a paper automatically (§6.3.3) once the session's rooms are
    over: objective items from the attempt's last saved answers; subjective items are left to markers.
    Absent candidates get no score (their status says why). A new run supersedes the previous one."""
    session = ExamSession.objects.select_related("batch__announcement").get(pk=session_id)
    if not rules.scores(actor, session):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以评分。"))
    if multiple_rule not in MultipleRule.values:
        raise ValidationError({"multiple_rule": _("多选题计分规则无效。")})
    paper = Paper.objects.select_for_update().get(pk=paper_id, session=session)
    attempts = Attempt.objects.filter(sitting__session=session, paper=paper)
    still_open = attempts.filter(status__in=OPEN_ATTEMPT).count()
    if still_open:
        raise ValidationError(_("还有 %(n)s 名考生未交卷，考试结束后才能评分。") % {"n": still_open})
    digest, forms = _key_items(actor, paper)
    now = timezone.now()
    ScoringRun.objects.filter(paper=paper, superseded_at__isnull=True).update(superseded_at=now)
    run = ScoringRun.objects.create(session=session, paper=paper, multiple_rule=multiple_rule, key_digest=digest,
                                    started_by=actor)
    submitted = list(attempts.filter(status=AttemptStatus.SUBMITTED).order_by("pk").values_list("pk", "form_number"))
    marked = {}
    if session.kind == SessionKind.THEORY_PAPER:  # subjective items were marked on the paper scripts
        from .sheets import counted_marks

        marked = counted_marks(paper)
    for start in range(0, len(submitted), BATCH):
        chunk = submitted[start:start + BATCH]
        answers: dict[int, dict[int, object]] = {aid: {} for aid, _form in chunk}
        for aid, position, value in (Answer.objects.filter(attempt_id__in=[a for a, _f in chunk])
                                     .values_list("attempt_id", "position", "value")):
            answers[aid][position] = value
        rows = []
        for aid, form in chunk:
            total, items, to_mark = score_attempt(forms[form], answers[aid], multiple_rule, marked.get(aid))
            rows.append(AttemptScore(run=run, attempt_id=aid, objective=total, items=items, to_mark=to_mark))
        AttemptScore.objects.bulk_create(rows, batch_size=BATCH)
    run.attempts = len(submitted)
    run.absent = attempts.filter(status=AttemptStatus.ABSENT).count()
    run.save(update_fields=["attempts", "absent"])
    audit.record(actor, "grading.objective.scored", target=run,
                 data={"paper": paper.code, "rule": multiple_rule, "key": digest, "attempts": run.attempts,
                       "absent": run.absent})
    return run


def _run_for(actor, run_id: int) -> ScoringRun:
    run = ScoringRun.objects.select_related("session__batch__announcement", "paper").get(pk=run_id)
    if not rules.scores(actor, run.session):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以分析成绩。"))
    return run


def _responses(run: ScoringRun) -> dict[int, list[tuple[int, dict, dict[int, object]]]]:
    """Per form: (attempt id, per-position points, answers) of every scored attempt of the run."""
    scores = list(run.scores.select_related("attempt").order_by("attempt_id")
                  .values_list("attempt_id", "attempt__form_number", "items"))
    answers: dict[int, dict[int, object]] = {aid: {} for aid, _form, _items in scores}
    for aid, position, value in Answer.objects.filter(attempt__scores__run=run).values_list(
            "attempt_id", "position", "value"):
        answers[aid][position] = value
    by_form: dict[int, list] = {}
    for aid, form, items in scores:
        by_form.setdefault(form, []).append((aid, items, answers[aid]))
    return by_form


@transaction.atomic
def analyse_run(*, actor, run_id: int, bounds=None) -> ScoringRun:
    """Item analysis of the automatically scored items of a run, per form (§6.3.2.2, §7.3.1): stored with the
    run, written back to the bank (empirical difficulty and discrimination) and flagged items reported to the
    bank managers as problems. ``bounds``: an ``analysis.Bounds`` (default: p in [0.15, 0.95], r ≥ 0.2)."""
    import numpy as np  # numpy is loaded where grading runs, not in every web worker

    from . import analysis

    run = _run_for(actor, run_id)
    ScoringRun.objects.select_for_update().filter(pk=run.pk).first()
    _digest, forms = _key_items(actor, run.paper)
    placed = {(pi.form.number, pi.position): pi for pi in PaperItem.objects.filter(form__paper=run.paper)
              .select_related("form")}
    run.item_stats.all().delete()
    rows, test_stats, feedback = [], {}, []
    for form, people in sorted(_responses(run).items()):
        positions = [pos for pos, it in sorted(forms[form].items())
                     if it["type"] in AUTO_TYPES and people[0][1].get(str(pos)) is not None]
        if len(people) < 2 or not positions:
            continue
        key = forms[form]
        scores = np.array([[float(items[str(pos)]) for pos in positions] for _aid, items, _ans in people])
        top = np.array([float(key[pos]["points"]) for pos in positions])
        codes, labels = analysis.encode([[response_code(key[pos]["type"], ans.get(pos)) for pos in positions]
                                         for _aid, _items, ans in people])
        keys = [response_code(key[pos]["type"], key[pos]["answer"]) for pos in positions]
        stats = analysis.analyse(scores, top, codes=codes, labels=labels, keys=keys,
                                 bounds=bounds or analysis.Bounds())
        test_stats[str(form)] = {"n": stats.n, "items": stats.k, "mean": stats.mean, "sd": stats.sd,
                                 "alpha": stats.alpha, "sem": stats.sem}
        for pos, it in zip(positions, stats.items, strict=True):
            pi = placed[(form, pos)]
            # No "correct" flag: which option is the key is bank content and stays sealed (§7.3.2); the page
            # marks it from the key, opened (and audited) when someone looks.
            options = [{"code": o.code, "rate": o.rate, "r_pb": o.r_pb, "upper": o.upper,
                        "lower": o.lower} for o in it.options]
            rows.append(ItemAnalysis(run=run, form_number=form, position=pos, item_id=pi.item_id,
                                     version_id=pi.version_id, n=stats.n, p=it.p, r_pb=it.r_pb, options=options,
                                     flags=it.flags))
            feedback.append((pi.item_id, it.p, it.r_pb, it.flags))
    if not rows:
        raise ValidationError(_("评分人数不足两人，无法进行试题分析。"))
    ItemAnalysis.objects.bulk_create(rows)
    run.test_stats, run.analysed_at = test_stats, timezone.now()
    run.save(update_fields=["test_stats", "analysed_at"])
    flagged = bank_services.record_statistics(actor=actor, stats=feedback, source=run.paper.code)
    audit.record(actor, "grading.items.analysed", target=run,
                 data={"paper": run.paper.code, "items": len(rows), "flagged": flagged, "forms": test_stats})
    return run


@transaction.atomic
def screen_similarity(*, actor, run_id: int, alpha: float = 0.05) -> SimilarityScreening:
    """Answer similarity screening of a run, per form (表B.1 雷同试卷): pairs with unusually many identical
    wrong answers, Bonferroni-controlled at ``alpha``. Evidence for the staff, never a penalty by itself."""
    import numpy as np

    from . import similarity

    run = _run_for(actor, run_id)
    if not 0 < alpha <= 0.2:
        raise ValidationError({"alpha": _("误报率上限须在 0 与 0.2 之间。")})
    _digest, forms = _key_items(actor, run.paper)
    flagged, clusters, tested = [], [], 0
    for form, people in sorted(_responses(run).items()):
        key = forms[form]
        positions = [pos for pos, it in sorted(key.items())
                     if it["type"] in AUTO_TYPES and people[0][1].get(str(pos)) is not None]
        # Per item: category 0 = right (any accepted answer), 1 = blank, 2… = each distinct wrong response.
        codes = np.zeros((len(people), len(positions)), dtype=np.int32)
        for j, pos in enumerate(positions):
            wrong: dict[str, int] = {}
            for i, (_aid, _items, ans) in enumerate(people):
                value, kind = ans.get(pos), key[pos]["type"]
                code = response_code(kind, value)
                codes[i, j] = (1 if code == "" else 0 if is_correct(kind, key[pos]["answer"], value)
                               else wrong.setdefault(code, len(wrong) + 2))
        result = similarity.screen(codes, np.zeros(len(positions), int), np.ones(len(positions), int), alpha=alpha)
        tested += result.pairs_tested
        ids = [aid for aid, _items, _ans in people]
        flagged += [{"form": form, "a": ids[p.a], "b": ids[p.b], "identical": p.identical_wrong,
                     "expected": round(p.expected, 2), "p": p.p} for p in result.flagged]
        clusters += [[ids[i] for i in group] for group in result.clusters]
    screening = SimilarityScreening.objects.create(run=run, alpha=alpha, pairs_tested=tested, flagged=flagged,
                                                   clusters=clusters, screened_by=actor)
    audit.record(actor, "grading.similarity.screened", target=screening,
                 data={"paper": run.paper.code, "alpha": alpha, "pairs": tested, "flagged": len(flagged)})
    return screening


# --- Subjective items: blind double marking (§6.3.3) ---------------------------------------------------------
#
# Final score rule: two different markers score each script independently. When their marks differ by at
# most the task's tolerance, the script scores their mean (rounded half-up to 0.01); beyond it, the marking
# leader marks it a third time and that mark is final. A blank answer scores 0 without marking.

HALF = Decimal("0.5")


def _code() -> str:
    return "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))


@transaction.atomic
def marking_open(*, actor, run_id: int, markers: list, leader, tolerance_share: Decimal = Decimal("0.2")
                 ) -> list[MarkingTask]:
    """Open marking of every subjective item of a run's paper: one task per item and form, one coded script
    per scored attempt. ``markers`` (≥ 2, 考评员) mark; ``leader`` (考评组长, not one of them) arbitrates."""
    run = _run_for(actor, run_id)
    if run.session.kind == SessionKind.THEORY_PAPER:
        raise ValidationError(_("纸笔考试的主观题在答卷上评阅，各题得分随答题卡录入。"))
    body_id = run.session.batch.announcement.body_id
    markers = list(dict.fromkeys(markers))
    if len(markers) < 2:
        raise ValidationError({"markers": _("双评至少需要两名阅卷人。")})
    for m in markers:
        if not rules.serves_body(m, body_id, Role.EXAMINER, Role.EXAMINER_LEADER):
            raise ValidationError({"markers": _("%(name)s 不是本机构的考评员。") % {"name": m.full_name or m.username}})
    if not rules.serves_body(leader, body_id, Role.EXAMINER_LEADER):
        raise ValidationError({"leader": _("阅卷组长须为本机构的考评组长。")})
    if leader in markers:
        raise ValidationError({"leader": _("阅卷组长负责仲裁，不能同时担任双评阅卷人。")})
    if not Decimal("0") < tolerance_share <= Decimal("0.5"):
        raise ValidationError({"tolerance_share": _("误差允许值须为分值的 0–50%。")})
    if run.superseded_at is not None:
        raise ValidationError(_("该评分记录已被新的评分替代，请在最新的评分上组织阅卷。"))
    if MarkingTask.objects.filter(paper=run.paper).exists():
        raise ValidationError(_("本试卷已开始阅卷。"))
    _digest, forms = _key_items(actor, run.paper)
    people = _responses(run)
    tasks = []
    for form, items in sorted(forms.items()):
        if form not in people:
            continue  # a backup form nobody sat
        for position, it in sorted(items.items()):
            if it["type"] in AUTO_TYPES:
                continue  # scored automatically
            points = Decimal(it["points"])
            tolerance = max(HALF, (points * tolerance_share / HALF).to_integral_value(ROUND_HALF_UP) * HALF)
            task = MarkingTask.objects.create(run=run, paper=run.paper, form_number=form, position=position,
                                              item_type=it["type"], points=points, tolerance=tolerance,
                                              leader=leader, opened_by=actor)
            task.markers.set(markers)
            now, codes, scripts = timezone.now(), set(), []
            for aid, _items, answers in people[form]:
                code = _code()
                while code in codes:
                    code = _code()
                codes.add(code)
                blank = not str(answers.get(position) or "").strip()
                scripts.append(Script(task=task, attempt_id=aid, code=code,
                                      status=ScriptStatus.FINAL if blank else ScriptStatus.WAITING,
                                      final=ZERO if blank else None, rule="blank" if blank else "",
                                      finalised_at=now if blank else None))
            Script.objects.bulk_create(scripts)
            if all(s.status == ScriptStatus.FINAL for s in scripts):
                # Every candidate left the item blank: nothing to mark, so the task is done now. It used to stay
                # "阅卷中" for ever, as only a recorded mark closed a task (issue #21 item 2).
                transition(task, TaskStatus.DONE)
            tasks.append(task)
    if not tasks:
        raise ValidationError(_("本试卷没有需要人工评阅的试题。"))
    audit.record(actor, "grading.marking.opened", target=run,
                 data={"paper": run.paper.code, "tasks": len(tasks), "markers": [m.username for m in markers],
                       "leader": leader.username, "tolerance_share": str(tolerance_share)})
    return tasks


def _clean_points(points, task: MarkingTask) -> Decimal:
    try:
        value = Decimal(str(points).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"points": _("请填写分数。")}) from None
    if not value.is_finite() or value < 0 or value > task.points:
        raise ValidationError({"points": _("分数须在 0 到 %(max)s 之间。") % {"max": task.points}})
    if value % HALF:
        raise ValidationError({"points": _("分数以 0.5 分为单位。")})
    return value


@transaction.atomic
def mark_record(*, actor, task_id: int, code: str, points, comment: str = "") -> Mark:
    """Record one mark on a script (by its code); locks the script, so two markers cannot take the same round.
    Marks are final once recorded; each is audited."""
    task = MarkingTask.objects.select_related("run__session__batch__announcement", "paper").get(pk=task_id)
    script = Script.objects.select_for_update().filter(task=task, code=code.strip().upper()).first()
    if script is None:
        raise ValidationError({"code": _("密号不存在。")})
    value = _clean_points(points, task)
    marks = list(script.marks.order_by("round"))
    if script.status == ScriptStatus.FINAL:
        raise ValidationError(_("该答卷已定分，不能再评。"))
    if script.status == ScriptStatus.THIRD:
        if actor.pk != task.leader_id:
            raise PermissionDenied(_("超出误差的答卷由阅卷组长仲裁。"))
        round_ = 3
    else:
        if not task.markers.filter(pk=actor.pk).exists():
            raise PermissionDenied(_("您不是本题的阅卷人。"))
        duties.require_different(duties.SECOND_MARKING, actor, *(m.marker_id for m in marks))
        round_ = len(marks) + 1
    mark = Mark.objects.create(script=script, marker=actor, round=round_, points=value, comment=comment.strip()[:300])
    if round_ == 2:
        first = marks[0].points
        if abs(first - value) <= task.tolerance:
            transition(script, ScriptStatus.FINAL, rule="mean", finalised_at=timezone.now(),
                       final=((first + value) / 2).quantize(Decimal("0.01"), ROUND_HALF_UP))
        else:
            transition(script, ScriptStatus.THIRD)
    elif round_ == 3:
        transition(script, ScriptStatus.FINAL, final=value, rule="leader", finalised_at=timezone.now())
    if not task.scripts.exclude(status=ScriptStatus.FINAL).exists():
        transition_many(MarkingTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN), TaskStatus.DONE)
    audit.record(actor, "grading.mark.recorded", target=script,
                 data={"task": task.pk, "code": script.code, "round": round_, "points": str(value),
                       "status": script.status})
    return mark


def next_script(user, task: MarkingTask) -> Script | None:
    """The next script for this marker: not final, not yet marked by them, half-marked ones first; for the leader,
    the next one waiting for arbitration."""
    if user.pk == task.leader_id:
        return task.scripts.filter(status=ScriptStatus.THIRD).order_by("code").first()
    return (task.scripts.filter(status=ScriptStatus.WAITING).exclude(marks__marker=user)
            .annotate(n=Count("marks")).order_by("-n", "code").first())


def script_answer(script: Script) -> str:
    """The candidate's answer to the script's item, as text (what the marker reads)."""
    value = (Answer.objects.filter(attempt_id=script.attempt_id, position=script.task.position)
             .values_list("value", flat=True).first())
    return value if isinstance(value, str) else ""


def key_codes(actor, run: ScoringRun) -> dict[tuple[int, int], str]:
    """(form, position) → the key's response code, for marking the right option on the analysis page; opens
    the sealed key for this actor (audited)."""
    _digest, forms = _key_items(actor, run.paper)
    return {(form, pos): response_code(it["type"], it["answer"]) for form, items in forms.items()
            for pos, it in items.items() if it["type"] in AUTO_TYPES}
