"""Console pages for grading (§6.3.3 阅卷, §6.3.2.2, 表B.1): the office scores a computer-based paper, analyses
its items, screens answers for similarity and opens blind double marking; markers mark by script code."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillcert.accounts.enums import Role
from skillcert.accounts.models import User
from skillcert.core.errors import DomainError
from skillcert.core.files import audited_download
from skillcert.delivery.models import Attempt
from skillcert.grading import documents as grading_documents
from skillcert.grading import practical, results, review, rules, selectors, services, sheets
from skillcert.grading.models import (
    ChangePart,
    DecisionKind,
    ItemAnalysis,
    Part,
    PracticalEventKind,
    PracticalRule,
    RecheckRequest,
    ResultChange,
    ScoringRun,
    ScriptStatus,
)
from skillcert.grading.scoring import MultipleRule
from skillcert.itembank.enums import ItemType
from skillcert.papers import services as paper_services
from skillcert.registration.models import Application
from skillcert.scheduling.enums import SessionKind, StaffRole
from skillcert.scheduling.models import Batch, ExamSession, SeatAssignment

from ..common import flash_refusal, perform, staff_required
from ..forms import grading as gf


@staff_required(rules.uses_grading)
def grading_list(request: HttpRequest) -> HttpResponse:
    """阅卷评分: each released computer-based paper with its latest scoring run."""
    rows = []
    for paper in selectors.papers_to_grade(request.user):
        rows.append({"paper": paper, "runs": list(paper.scoring_runs.all()[:3])})
    return render(request, "console/grading/list.html", {"rows": rows, "rules": MultipleRule.choices})


@staff_required(rules.uses_grading)
@require_POST
def grading_score(request: HttpRequest, paper_pk: int) -> HttpResponse:
    paper = selectors.papers_to_grade(request.user).filter(pk=paper_pk).first()
    if paper is None:
        raise Http404
    form = gf.ScoreForm(request.POST)
    if not form.is_valid():
        gf.flash_form_errors(request, form)
        return redirect("console:grading_list")
    run = perform(request, services.score_session, _("客观题已评分。"), actor=request.user,
                  session_id=paper.session_id, paper_id=paper.pk, multiple_rule=form.cleaned_data["multiple_rule"])
    return redirect("console:grading_run", run.pk) if run else redirect("console:grading_list")


@staff_required(rules.uses_grading)
def grading_sheets(request: HttpRequest, paper_pk: int) -> HttpResponse:
    """答题卡录入 of a paper-based session: import the optical-mark reader's file, or two clerks type each sheet
    and the mismatches are resolved from the paper sheet."""
    paper = selectors.papers_to_grade(request.user).filter(pk=paper_pk).first()
    if paper is None or paper.session.kind != SessionKind.THEORY_PAPER:
        raise Http404
    forms, marked = sheets.layout(paper), sheets.marked_items(paper)
    if request.method == "POST":
        action, chosen = gf.posted_action(request, "import", "enter", "resolve"), 1
        if action == "import":
            upload = gf.SheetImportForm(request.POST, request.FILES)
            if not upload.is_valid():
                gf.flash_form_errors(request, upload)
            else:
                file = upload.cleaned_data["file"]
                summary = perform(request, sheets.sheets_import, _("答题卡已导入。"), actor=request.user,
                                  paper_id=paper.pk, data=file.read(), file_name=file.name)
                if summary:
                    messages.info(request, _("共 %(n)s 张答题卡，其中缺考 %(a)s 人，重新导入 %(r)s 张。")
                                  % {"n": summary.sheets, "a": summary.absent, "r": summary.replaced})
        else:
            sheet = gf.SheetForm(request.POST, layout=forms, marked=marked, resolve=action == "resolve")
            if not sheet.is_valid():
                gf.flash_form_errors(request, sheet)
            else:
                d = sheet.cleaned_data
                chosen = d["form_number"]
                common = {"actor": request.user, "paper_id": paper.pk, "form_number": chosen,
                          "absent": d["absent"], "answers": sheet.answers()}
                if action == "enter":
                    entry = perform(request, sheets.sheet_enter, _("已录入。"), ticket=d["ticket"], **common)
                    if entry and entry.agreed is False:
                        messages.warning(request, _("两遍录入不一致，已列入待核对清单。"))
                else:
                    perform(request, sheets.sheet_resolve, _("已按原卡核对确定。"),
                            application_id=d["application"], **common)
        return redirect(f"{request.path}?form={chosen}")
    shown = gf.FormNumberForm(request.GET, numbers=forms)
    chosen = shown.cleaned_data["form"] if shown.is_valid() else min(forms or [1])
    labels = dict(ItemType.choices)
    positions = sorted([(pos, labels[kind]) for pos, kind in forms.get(chosen, {}).items()]
                       + [(pos, _("%(type)s，满分 %(p)s，填阅卷得分") % {"type": _("主观题"), "p": points})
                          for pos, points in marked.get(chosen, {}).items()])
    progress = sheets.progress(paper)
    for m in progress["mismatches"]:  # the resolve form starts from the first reading
        first = m["first"]
        m["prefill"] = [(pos, sheets.shown(first.answers.get(str(pos), first.marks.get(str(pos), ""))))
                        for pos, _label in positions]
    return render(request, "console/grading/sheets.html", {
        "paper": paper, "forms": sorted(forms), "chosen": chosen, "positions": positions, "progress": progress})


def _examiners_qs(user, run: ScoringRun, *roles):
    return selectors.staff_of_bodies(user, [run.session.batch.announcement.body_id], *roles)


def _examiners(user, run: ScoringRun, *roles) -> list[User]:
    return list(_examiners_qs(user, run, *roles))


@staff_required(rules.uses_grading)
def grading_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get_for_user(request.user, pk)
    stats = list(ItemAnalysis.objects.filter(run=run).select_related("item"))
    if stats:
        keys = services.key_codes(request.user, run)
        for s in stats:
            right = keys.get((s.form_number, s.position))
            s.shown_options = [{**o, "correct": o["code"] == right} for o in s.options]
    screening = run.screenings.first()
    pairs = []
    if screening:
        attempts = {a.pk: a for a in Attempt.objects.filter(
            pk__in={p[k] for p in screening.flagged for k in ("a", "b")}).select_related(
            "application", "assignment__seat", "sitting__room")}
        pairs = [{**p, "pa": attempts[p["a"]], "pb": attempts[p["b"]]} for p in screening.flagged]
    tasks = selectors.task_progress(run.marking_tasks.select_related("leader").prefetch_related("markers"))
    return render(request, "console/grading/run.html", {
        "run": run, "summary": selectors.score_summary(run), "stats": stats,
        "flagged_items": sum(1 for s in stats if s.flags), "screening": screening, "pairs": pairs, "tasks": tasks,
        "examiners": _examiners(request.user, run, Role.EXAMINER, Role.EXAMINER_LEADER),
        "leaders": _examiners(request.user, run, Role.EXAMINER_LEADER)})


@staff_required(rules.uses_grading)
@require_POST
def grading_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    run = selectors.run_get_for_user(request.user, pk)
    if action == "analyse":
        perform(request, services.analyse_run, _("试题分析已完成，结果已回写题库。"), actor=request.user,
                run_id=run.pk)
    elif action == "screen":
        form = gf.ScreenForm(request.POST)
        if form.is_valid():
            perform(request, services.screen_similarity, _("雷同筛查已完成。"), actor=request.user, run_id=run.pk,
                    alpha=form.cleaned_data["alpha"])
        else:
            gf.flash_form_errors(request, form)
    elif action == "mark":
        form = gf.MarkingOpenForm(request.POST, markers=_examiners_qs(request.user, run, Role.EXAMINER,
                                                                      Role.EXAMINER_LEADER),
                                  leaders=_examiners_qs(request.user, run, Role.EXAMINER_LEADER))
        if form.is_valid():
            d = form.cleaned_data
            perform(request, services.marking_open, _("已开始阅卷：主观题按题分配给阅卷人双评。"), actor=request.user,
                    run_id=run.pk, markers=list(d["markers"]), leader=d["leader"], tolerance_share=d["tolerance"])
        else:
            gf.flash_form_errors(request, form)
    else:
        raise Http404
    return redirect("console:grading_run", run.pk)


@staff_required(rules.marks_any)
def marking_list(request: HttpRequest) -> HttpResponse:
    """我的阅卷任务: the items a marker or leader marks, with progress — never a candidate's name."""
    tasks = selectors.task_progress(selectors.tasks_for_marker(request.user))
    return render(request, "console/grading/marking_list.html", {"tasks": tasks})


@staff_required(rules.marks_any)
def marking_task(request: HttpRequest, pk: int) -> HttpResponse:
    """The marking screen: the item, its standard answer and rubric, one coded script at a time."""
    task = selectors.task_get_for_marker(request.user, pk)
    if request.method == "POST":
        form = gf.MarkForm(request.POST, task=task)
        if form.is_valid():
            perform(request, services.mark_record, _("已评分，下一份。"), actor=request.user, task_id=task.pk,
                    **form.cleaned_data)
        else:
            gf.flash_form_errors(request, form)
        return redirect("console:marking_task", task.pk)
    script = services.next_script(request.user, task)
    content = paper_services.marking_content(actor=request.user, paper=task.paper, form_number=task.form_number,
                                             position=task.position) if script else None
    answer = services.script_answer(script) if script else None
    leader = request.user.pk == task.leader_id
    earlier = list(script.marks.order_by("round")) if script and leader else []
    progress = selectors.task_progress([task])[0]
    return render(request, "console/grading/marking_task.html", {
        "task": task, "script": script, "content": content, "answer": answer, "leader": leader,
        "earlier": earlier, "progress": progress, "third": ScriptStatus.THIRD})


# --- Practical assessment (§6.4.1.4, A.3.4–A.3.8) -----------------------------------------------------------

@staff_required(rules.uses_grading)
def practical_list(request: HttpRequest) -> HttpResponse:
    """实操评分: practical rooms with their examiner panels."""
    rows = selectors.practical_rooms_to_grade(request.user)
    body_ids = {r["session"].batch.announcement.body_id for r in rows}
    examiners = list(selectors.staff_of_bodies(request.user, body_ids, Role.EXAMINER, Role.EXAMINER_LEADER))
    leaders = list(selectors.staff_of_bodies(request.user, body_ids, Role.EXAMINER_LEADER))
    return render(request, "console/grading/practical_list.html", {
        "rows": rows, "examiners": examiners, "leaders": leaders, "rules": PracticalRule.choices})


def _office_session(request: HttpRequest, session_pk: int) -> ExamSession:
    """The session whose panels the user's office forms; another body's session, or none, is a 404."""
    session = ExamSession.objects.select_related("batch__announcement").filter(pk=session_pk).first()
    if session is None or not rules.scores(request.user, session):
        raise Http404
    return session


def _panel_people(request: HttpRequest, session: ExamSession) -> dict:
    """Who may sit on a panel of ``session``: the body's examiners and leaders (the form refuses anyone else)."""
    body = [session.batch.announcement.body_id]
    return {"examiners": selectors.staff_of_bodies(request.user, body, Role.EXAMINER, Role.EXAMINER_LEADER),
            "leaders": selectors.staff_of_bodies(request.user, body, Role.EXAMINER_LEADER)}


@staff_required(rules.uses_grading)
@require_POST
def panel_create(request: HttpRequest, session_pk: int, room_pk: int) -> HttpResponse:
    session = _office_session(request, session_pk)
    form = gf.PracticalPanelForm(request.POST, papers=session.papers.all(), **_panel_people(request, session))
    if not form.is_valid():
        gf.flash_form_errors(request, form)
        return redirect("console:practical_list")
    d = form.cleaned_data
    panel = perform(request, practical.panel_form, _("考评小组已组建。"), actor=request.user, session_id=session.pk,
                    room_id=room_pk, examiners=list(d["examiners"]), leader=d["leader"], rule=d["rule"],
                    spread_limit=d["spread_limit"], paper_id=d["paper"].pk if d["paper"] else None)
    return redirect("console:panel_detail", panel.pk) if panel else redirect("console:practical_list")


@staff_required(rules.uses_practical)
def panel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel: collecting and coding work pieces, scoring progress, voids, flags and the sealed map."""
    panel = selectors.panel_get_for_user(request.user, pk)
    office = rules.scores(request.user, panel.session)
    if request.method == "POST":
        _panel_post(request, panel, gf.posted_action(request, "collect", "unseal", "confirm", "record"))
        return redirect("console:panel_detail", panel.pk)
    pieces = list(panel.pieces.select_related("application").prefetch_related("sheets"))
    witnesses = list(panel.unseal_witnesses.select_related("user"))
    staff = list(_witness_candidates(request, panel)) if office else []
    examiners = list(panel.examiners.all())
    # §10.7: the pieces' scores (and, once the map is open, whose they are) are the scoring panel's and the
    # office's. A witness of the opening confirms it and sees no score; proctors, the chief, inspectors and
    # supervisors keep the room record only.
    grader = rules.sees_scores(request.user, panel)
    my_witness = next((w for w in witnesses if w.user_id == request.user.pk), None)
    return render(request, "console/grading/panel_detail.html", {
        "panel": panel, "pieces": pieces if grader else [], "office": office, "grader": grader,
        "unseal_section": grader or my_witness is not None,
        "collector": office or panel.leader_id == request.user.pk, "examiners": examiners, "witnesses": witnesses,
        "staff": staff, "my_witness": my_witness,
        "events": list(panel.events.select_related("seat", "recorded_by")),
        "seats": list(panel.room.seats.filter(is_active=True).order_by("number")),
        "event_kinds": PracticalEventKind.choices, "can_record": rules.records(request.user, panel)})


def _witness_candidates(request: HttpRequest, panel):
    """Witnesses of the opening: the body's staff (its own or its venues'), not the candidates, not the user."""
    roles = [r for r in Role.values if r != Role.CANDIDATE]
    return (selectors.staff_of_bodies(request.user, [panel.session.batch.announcement.body_id], *roles)
            .exclude(pk=request.user.pk))


def _panel_post(request: HttpRequest, panel, action: str) -> None:
    """One action on the panel page, each through its form and one service."""
    if action == "confirm":
        perform(request, practical.unseal_confirm, _("已确认。"), actor=request.user, panel_id=panel.pk)
        return
    if action == "collect":
        form = gf.CollectForm(request.POST, seats=SeatAssignment.objects.filter(session=panel.session,
                                                                                seat__room=panel.room))
    elif action == "unseal":
        form = gf.WitnessForm(request.POST, staff=_witness_candidates(request, panel))
    else:
        form = gf.EventForm(request.POST, seats=panel.room.seats.filter(is_active=True))
    if not form.is_valid():
        gf.flash_form_errors(request, form)
        return
    d = form.cleaned_data
    if action == "collect":
        piece = perform(request, practical.piece_collect, _("已编号。"), actor=request.user, panel_id=panel.pk,
                        application_id=d["ticket"].application_id)
        if piece:
            messages.info(request, _("请在工件上写明编号 %(code)s。") % {"code": piece.code})
    elif action == "unseal":
        perform(request, practical.unseal_request, _("已申请开封对号，等待两名见证人确认。"), actor=request.user,
                panel_id=panel.pk, witnesses=list(d["witnesses"]))
    else:
        perform(request, practical.event_record, _("已记入考场记录。"), actor=request.user, panel_id=panel.pk,
                kind=d["kind"], seat_id=d["seat"].pk if d["seat"] else None, minutes=d["minutes"], note=d["note"])


@staff_required(rules.works_practical)
def practical_mine(request: HttpRequest) -> HttpResponse:
    panels = list(selectors.panels_for_examiner(request.user))
    scoring = set(request.user.practical_panels.values_list("pk", flat=True))
    return render(request, "console/grading/practical_mine.html", {"panels": panels, "scoring": scoring})


@staff_required(rules.marks_any)
def practical_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """评分记录表: one examiner scores one coded work piece, criterion by criterion; locked once submitted."""
    panel = selectors.panel_get_for_user(request.user, pk)
    if not panel.examiners.filter(pk=request.user.pk).exists():
        raise PermissionDenied
    try:
        criteria = practical.sheet_criteria(request.user, panel)
    except (ValidationError, DomainError) as exc:
        flash_refusal(request, exc)
        criteria = []
    if request.method == "POST":
        if gf.posted_action(request, "void", default="submit") == "void":
            form = gf.VoidForm(request.POST)
            if form.is_valid():
                perform(request, practical.piece_void, _("该工件成绩已作废。"), actor=request.user,
                        panel_id=panel.pk, **form.cleaned_data)
        else:
            form = gf.PracticalSheetForm(request.POST, criteria=criteria)
            if form.is_valid():
                perform(request, practical.sheet_submit, _("评分记录表已提交。"), actor=request.user,
                        panel_id=panel.pk, code=form.cleaned_data["code"], given=form.given(),
                        deductions=form.cleaned_data["deductions"])
        if form.errors:
            gf.flash_form_errors(request, form)
        return redirect("console:practical_sheet", panel.pk)
    pieces = list(panel.pieces.prefetch_related("sheets"))
    mine = {s.piece_id for p in pieces for s in p.sheets.all() if s.examiner_id == request.user.pk}
    waiting = [p for p in pieces if p.pk not in mine and not p.voided]
    return render(request, "console/grading/practical_sheet.html", {
        "panel": panel, "criteria": criteria, "waiting": waiting if criteria else [], "done": len(mine),
        "total": len(pieces)})


# --- Comprehensive review (§6.5.1) --------------------------------------------------------------------------

@staff_required(rules.uses_practical)
def review_list(request: HttpRequest) -> HttpResponse:
    """综合评审: the office forms a panel per room of a review session; examiners see their panels."""
    rows = selectors.review_rooms_to_grade(request.user)
    body_ids = {r["session"].batch.announcement.body_id for r in rows}
    return render(request, "console/grading/review_list.html", {
        "rows": rows, "mine": list(selectors.review_panels_for_examiner(request.user)),
        "examiners": list(selectors.staff_of_bodies(request.user, body_ids, Role.EXAMINER, Role.EXAMINER_LEADER)),
        "leaders": list(selectors.staff_of_bodies(request.user, body_ids, Role.EXAMINER_LEADER))})


@staff_required(rules.uses_grading)
@require_POST
def review_panel_create(request: HttpRequest, session_pk: int, room_pk: int) -> HttpResponse:
    session = _office_session(request, session_pk)
    form = gf.PanelForm(request.POST, leader_missing=_("请选择评审组长。"), **_panel_people(request, session))
    if not form.is_valid():
        gf.flash_form_errors(request, form)
        return redirect("console:review_list")
    panel = perform(request, review.review_panel_form, _("综合评审小组已组建。"), actor=request.user,
                    session_id=session.pk, room_id=room_pk, examiners=list(form.cleaned_data["examiners"]),
                    leader=form.cleaned_data["leader"])
    return redirect("console:review_panel", panel.pk) if panel else redirect("console:review_list")


@staff_required(rules.uses_practical)
def review_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """One review room: each examiner scores each candidate's 答辩 and 业绩评价 once; the office follows progress
    and sees the means once a candidate is fully scored."""
    panel = selectors.review_panel_for_user(request.user, pk)
    examiners = list(panel.examiners.all())
    member = any(u.pk == request.user.pk for u in examiners)
    if request.method == "POST":
        if not member:
            raise PermissionDenied
        form = gf.ReviewScoreForm(request.POST, applications=Application.objects.filter(
            seat_assignments__session=panel.session, seat_assignments__seat__room=panel.room))
        if form.is_valid():
            d = form.cleaned_data
            perform(request, review.review_submit, _("评分已提交。"), actor=request.user, panel_id=panel.pk,
                    application_id=d["application"].pk, defence=d["defence"], performance=d["performance"],
                    note=d["note"])
        else:
            gf.flash_form_errors(request, form)
        return redirect("console:review_panel", panel.pk)
    seats = (SeatAssignment.objects.filter(session=panel.session, seat__room=panel.room)
             .select_related("application__offer__trade", "application__offer__level", "seat").order_by("seat__number"))
    sheets = {}
    for sheet in panel.sheets.all():
        sheets.setdefault(sheet.application_id, []).append(sheet)
    means = review.review_scores(panel.session.batch)
    rows = [{"seat": a.seat, "application": a.application, "count": len(sheets.get(a.application_id, [])),
             "mine": next((s for s in sheets.get(a.application_id, []) if s.examiner_id == request.user.pk), None),
             "means": means.get(a.application_id, (None, None, 0, 0))} for a in seats]
    return render(request, "console/grading/review_panel.html", {
        "panel": panel, "rows": rows, "examiners": examiners, "member": member,
        "office": rules.scores(request.user, panel.session)})


# --- Results (§6.5, §10.7) -----------------------------------------------------------------------------------

RESULT_ACTIONS = ("compile", "decide", "confirm", "change", "approve", "reject", "publish", "recheck")
#: The actions of the body's office; the chief confirms and the body admin publishes (§6.5.2, §10.7).
OFFICE_ACTIONS = ("compile", "decide", "change", "approve", "reject", "recheck")


def _results_post(request: HttpRequest, batch: Batch, action: str) -> None:
    """One action of the results page: its form (ids of this batch's objects only, scores 0–100), one service."""
    user = request.user
    if action == "compile":
        perform(request, results.results_compile, _("已统分复核。"), actor=user, batch_id=batch.pk)
        return
    if action == "confirm":
        perform(request, results.results_confirm, _("成绩已复核确认并锁定。"), actor=user, batch_id=batch.pk)
        return
    if action == "decide":
        form = gf.DecisionForm(request.POST, applications=Application.objects.filter(
            seat_assignments__session__batch=batch).distinct())
    elif action == "change":
        form = gf.ChangeForm(request.POST, results=batch.results.all())
    elif action in ("approve", "reject"):
        form = gf.ChangeDecideForm(request.POST, changes=ResultChange.objects.filter(result__batch=batch))
    elif action == "publish":
        form = gf.PublishForm(request.POST)
    else:
        form = gf.RecheckAnswerForm(request.POST, rechecks=RecheckRequest.objects.filter(result__batch=batch))
    if not form.is_valid():
        gf.flash_form_errors(request, form)
        return
    d = form.cleaned_data
    if action == "decide":
        perform(request, results.score_decide, _("已记录。"), actor=user, batch_id=batch.pk,
                application_id=d["application"].pk, part=d["part"], kind=d["kind"], reason=d["reason"])
    elif action == "change":
        perform(request, results.change_request, _("更正申请已提交，待另一人审批。"), actor=user,
                result_id=d["result"].pk, part=d["part"], new=d["new"], reason=d["reason"])
    elif action in ("approve", "reject"):
        perform(request, results.change_decide, _("已审批。"), actor=user, change_id=d["change"].pk,
                approve=action == "approve")
    elif action == "publish":
        perform(request, results.results_publish, _("认定成绩已发布，考生已收到通知。"), actor=user,
                batch_id=batch.pk, recheck_days=d["recheck_days"])
    else:
        perform(request, results.recheck_handle, _("复核申请已答复，考生已收到通知。"), actor=user,
                recheck_id=d["recheck"].pk, outcome=d["outcome"], response=d["response"],
                change_part=d["change_part"], new=d["new"])


@staff_required(rules.uses_results)
def results_page(request: HttpRequest, batch_pk: int) -> HttpResponse:
    """统分、复核、确认与发布 of one batch; visible only to its grading roles until published (§10.7)."""
    batch = Batch.objects.select_related("announcement").filter(pk=batch_pk).first()
    if batch is None or not rules.sees_results(request.user, batch):
        raise Http404
    office = rules.scores_batch(request.user, batch)
    if request.method == "POST":
        action = gf.posted_action(request, *RESULT_ACTIONS)
        if action in OFFICE_ACTIONS and not office:
            raise PermissionDenied
        _results_post(request, batch, action)
        return redirect("console:results_page", batch.pk)
    rows = list(batch.results.select_related("application").order_by("application__full_name"))
    results.state_labels(batch, rows)
    changes = list(ResultChange.objects.filter(result__batch=batch).select_related(
        "result__application", "requested_by", "decided_by"))
    rechecks = list(RecheckRequest.objects.filter(result__batch=batch).select_related(
        "result__application", "handled_by", "change"))
    return render(request, "console/grading/results.html", {
        "chief": batch.sessions.filter(staff__user=request.user, staff__role=StaffRole.CHIEF).exists(),
        "publisher": rules.publishes(request.user, batch),
        "batch": batch, "rows": rows, "office": office, "changes": changes, "parts": Part.choices,
        "change_parts": ChangePart.choices, "rechecks": rechecks, "recheck_days": results.RECHECK_DAYS,
        "release": getattr(batch, "result_release", None),
        "kinds": DecisionKind.choices, "statuses": {r.status for r in rows},
        "passed": sum(1 for r in rows if r.passed), "open": sum(1 for r in rows if r.passed is None)})


@staff_required(rules.uses_results)
def results_list(request: HttpRequest) -> HttpResponse:
    """认定成绩: the batches whose results the user may see (their grading roles), newest first."""
    batches = selectors.batches_with_results_for(request.user)[:200]
    return render(request, "console/grading/results_list.html", {"batches": batches})


@staff_required(rules.uses_results)
def results_summary(request: HttpRequest, batch_pk: int, fmt: str) -> HttpResponse:
    """成绩汇总表 as Excel or PDF, for the batch's grading roles only; every download is audited (§10.7)."""
    batch = Batch.objects.select_related("announcement").filter(pk=batch_pk).first()
    if batch is None or not rules.sees_results(request.user, batch) or fmt not in ("xlsx", "pdf"):
        raise Http404
    who = request.user.full_name or request.user.username
    data = grading_documents.summary_xlsx(batch) if fmt == "xlsx" else grading_documents.summary_pdf(batch, who)
    return audited_download(request.user, data, fmt=fmt, name=f"results-{batch.pk}",
                            action="grading.summary.downloaded", target=batch)
