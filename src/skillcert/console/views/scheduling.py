"""Console pages for scheduling (§6.2, §6.4.1, 附录A): venues and rooms, batches and sessions, seat
allocation, admission tickets (issue, print as a background job), room documents, staffing, work
cards, the readiness report and the chief examiner's room sign-off. Thin: rule, selector, service."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillcert.core.files import private_file_response
from skillcert.core.forms import form_refusal, run_service
from skillcert.core.models import JobStatus
from skillcert.registration.models import Application
from skillcert.scheduling import checks, documents, selectors, services, staffing
from skillcert.scheduling import rules as scheduling_rules
from skillcert.scheduling.enums import BATCH_TRANSITIONS, ROOM_SIGNOFF_ITEMS, BatchStatus
from skillcert.scheduling.models import ConflictDeclaration, RoomSignOff, SeatAssignment, StaffAssignment, StaffProfile

from ..common import flash_refusal, perform, staff_required
from ..forms import scheduling as forms
from ..forms.accounts import TargetForm, WhichForm

can_schedule = scheduling_rules.can_schedule
can_read = scheduling_rules.can_read_schedules
_may_write = scheduling_rules.schedules_body


def _pdf(content: bytes, name: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Venues and rooms ---------------------------------------------------------------------------------

@staff_required(can_schedule)
def venue_list(request: HttpRequest) -> HttpResponse:
    venues = list(selectors.venue_list_for_user(request.user))
    for v in venues:
        v.missing = checks.missing_facilities(v)
    return render(request, "console/scheduling/venue_list.html", {"venues": venues})


@staff_required(can_schedule)
def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    venue = selectors.venue_get_for_user(request.user, pk)
    profile = getattr(venue, "venue_profile", None)
    form = forms.VenueProfileForm(request.POST or None, initial=forms.VenueProfileForm.initial_from(profile))
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.venue_profile_save, actor=request.user, venue=venue, **form.service_kwargs()):
            messages.success(request, _("考点设施和保障人员已保存。"))
            return redirect("console:venue_detail", pk=venue.pk)
    rooms = venue.rooms.order_by("name")
    return render(request, "console/scheduling/venue_detail.html", {
        "venue": venue, "form": form, "rooms": rooms, "missing": checks.missing_facilities(venue)})


@staff_required(can_schedule)
def room_edit(request: HttpRequest, venue_pk: int, pk: int | None = None) -> HttpResponse:
    venue = selectors.venue_get_for_user(request.user, venue_pk)
    room = selectors.room_get_for_user(request.user, pk) if pk else None
    if room is not None and room.venue_id != venue.pk:
        raise Http404
    initial = forms.RoomForm.initial_from(room) if room else {}
    form = forms.RoomForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, services.room_save, actor=request.user, venue=venue,
                            room_id=room.pk if room else None, **form.service_kwargs())
        if saved:
            messages.success(request, _("考场“%(r)s”已保存，共%(n)d个座位。") % {"r": saved.name, "n": saved.capacity})
            return redirect("console:venue_detail", pk=venue.pk)
    return render(request, "console/scheduling/room_form.html", {"venue": venue, "room": room, "form": form})


# --- Batches ---------------------------------------------------------------------------------------------

@staff_required(can_read)
def batch_list(request: HttpRequest) -> HttpResponse:
    form = forms.BatchForm(request.POST or None, body_ids=selectors.body_ids(request.user))
    if request.method == "POST":
        if not can_schedule(request.user):
            raise Http404
        if form.is_valid():
            batch = run_service(form, services.batch_create, actor=request.user, **form.cleaned_data)
            if batch:
                messages.success(request, _("已创建评价批次“%(b)s”，请添加场次。") % {"b": batch.name})
                return redirect("console:batch_detail", pk=batch.pk)
    batches = selectors.batch_list_for_user(request.user).order_by("-created_at")
    return render(request, "console/scheduling/batch_list.html", {
        "batches": batches, "form": form if can_schedule(request.user) else None})


def _session_rows(batch):
    rows = []
    for s in batch.sessions.prefetch_related("offers__trade", "offers__level", "rooms__venue").order_by("starts_at"):
        wanted = len(checks.seating_pool(s, batch)[0])  # not those seated for the part in another batch
        seated = SeatAssignment.objects.filter(session=s).count()
        seats = sum(r.capacity for r in s.rooms.all() if not r.is_emergency and r.is_active)
        rows.append({"session": s, "wanted": wanted, "seated": seated, "seats": seats,
                     "staff": s.staff.count()})
    return rows


@staff_required(can_read)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, pk)
    writer = _may_write(request.user, batch.announcement.body_id)
    session_form = forms.SessionForm(request.POST or None, batch=batch) if writer else None
    settings_form = forms.BatchSettingsForm(initial={"name": batch.name, "notes": batch.notes,
                                                     "workstations_per_examiner": batch.workstations_per_examiner})
    if request.method == "POST":
        if not writer:
            raise Http404
        if session_form.is_valid():
            d = session_form.cleaned_data
            session = run_service(session_form, services.session_add, actor=request.user, batch_id=batch.pk,
                                  kind=d["kind"], starts_at=d["starts_at"], ends_at=d["ends_at"],
                                  duration_minutes=d["duration_minutes"], offers=list(d["offers"]),
                                  rooms=list(d["rooms"]))
            if session:
                messages.success(request, _("已添加场次“%(s)s”。") % {"s": session})
                return redirect("console:batch_detail", pk=batch.pk)
    problems = staffing.readiness(batch)
    venues = {r.venue for s in batch.sessions.all() for r in s.rooms.select_related("venue")}
    ticket_count = batch.tickets.filter(status="valid").count()
    labels = dict(BatchStatus.choices)
    return render(request, "console/scheduling/batch_detail.html", {
        "batch": batch, "rows": _session_rows(batch), "session_form": session_form, "writer": writer,
        "settings_form": settings_form, "problems": problems, "venues": sorted(venues, key=lambda v: v.name),
        "ticket_count": ticket_count, "jobs": batch_jobs(batch),
        "moves": [(t, labels[t]) for t in BATCH_TRANSITIONS[BatchStatus(batch.status)]],
        "allocate_form": forms.AllocateForm()})


def batch_jobs(batch):
    from skillcert.core.models import Job

    return Job.objects.filter(kind="tickets", params__batch_id=batch.pk).order_by("-created_at")[:5]


def _batch_for_write(request: HttpRequest, pk: int):
    return selectors.batch_get_for_user(request.user, pk, roles=selectors.SCHEDULERS)


@staff_required(can_schedule)
@require_POST
def batch_settings(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    form = forms.BatchSettingsForm(request.POST)
    if form.is_valid():
        perform(request, services.batch_update, _("批次设置已保存。"), actor=request.user, batch_id=batch.pk,
                **form.cleaned_data)
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:batch_detail", pk=batch.pk)


@staff_required(can_schedule)
@require_POST
def batch_transition(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    form = TargetForm(request.POST, choices=BatchStatus.choices)
    if form.is_valid():
        perform(request, services.batch_transition, _("批次状态已更新。"), actor=request.user, batch_id=batch.pk,
                target=form.cleaned_data["target"])
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:batch_detail", pk=batch.pk)


@staff_required(can_schedule)
@require_POST
def batch_issue_tickets(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    issued = perform(request, services.issue_tickets, "", actor=request.user, batch_id=batch.pk)
    if issued is not None:
        messages.success(request, _("已发放%(n)d张准考证，考生已收到通知。") % {"n": issued})
    return redirect("console:batch_detail", pk=batch.pk)


@staff_required(can_schedule)
@require_POST
def batch_print_tickets(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    job = perform(request, services.tickets_render_start, "", actor=request.user, batch_id=batch.pk)
    if job is None:
        return redirect("console:batch_detail", pk=batch.pk)
    return redirect("console:job_detail", pk=job.pk)


@staff_required(can_read)
def batch_readiness(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, pk)
    problems = staffing.readiness(batch)
    by_session: dict = {}
    for p in problems:
        by_session.setdefault(p.session_id, []).append(p)
    sessions = [(s, by_session.get(s.pk, [])) for s in batch.sessions.order_by("starts_at")]
    return render(request, "console/scheduling/readiness.html", {"batch": batch, "sessions": sessions,
                                                                 "problems": problems})


@staff_required(can_read)
def venue_postings(request: HttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, pk)
    venue = selectors.venue_get_for_user(request.user, venue_pk, roles=selectors.READERS)
    return _pdf(documents.venue_postings_pdf(batch, venue), f"postings-{batch.pk}-{venue.pk}.pdf")


@staff_required(can_read)
def work_cards(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, pk)
    return _pdf(documents.work_cards_pdf(documents.work_cards(batch)), f"work-cards-{batch.pk}.pdf")


# --- Sessions: allocation, documents, staffing --------------------------------------------------------------

@staff_required(can_read)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for_user(request.user, pk)
    writer = _may_write(request.user, session.batch.announcement.body_id)
    people = staffing.staff_candidates(session.batch)
    form = forms.StaffAssignForm(request.POST or None, session=session, people=people)
    if request.method == "POST":
        session = selectors.session_get_for_user(request.user, pk, roles=selectors.SCHEDULERS)
        if form.is_valid():
            d = form.cleaned_data
            if run_service(form, staffing.staff_assign, actor=request.user, session_id=session.pk, user=d["user"],
                           role=d["role"], venue=d["venue"], room=d["room"]):
                messages.success(request, _("已安排%(name)s。") % {"name": d["user"].full_name})
                return redirect("console:session_detail", pk=session.pk)
    rooms = []
    counts = {}
    for a in SeatAssignment.objects.filter(session=session).values_list("seat__room_id", flat=True):
        counts[a] = counts.get(a, 0) + 1
    staff = list(StaffAssignment.objects.filter(session=session).select_related("user", "room", "venue"))
    signed = {s.room_id: s for s in RoomSignOff.objects.filter(session=session).select_related("signed_by")}
    for r in session.rooms.select_related("venue").order_by("venue__name", "name"):
        rooms.append({"room": r, "seated": counts.get(r.pk, 0), "signoff": signed.get(r.pk),
                      "staff": [a for a in staff if a.room_id == r.pk]})
    problems = staffing.session_problems(session)
    return render(request, "console/scheduling/session_detail.html", {
        "session": session, "batch": session.batch, "rooms": rooms, "venue_staff": [a for a in staff if not a.room_id],
        "form": form if writer else None, "problems": problems, "allocate_form": forms.AllocateForm(),
        "documents": documents.ROOM_DOCUMENTS})


@staff_required(can_schedule)
@require_POST
def session_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for_user(request.user, pk, roles=selectors.SCHEDULERS)
    form = forms.AllocateForm(request.POST)
    if not form.is_valid():
        flash_refusal(request, form_refusal(form))
        return redirect("console:session_detail", pk=session.pk)
    result = perform(request, services.allocate, "", actor=request.user, session_id=session.pk,
                     **form.service_kwargs())
    if result is not None:
        text = _("已安排%(a)d人，保留已发准考证的座位%(k)d个。") % {"a": result.assigned, "k": result.kept}
        if result.voided_tickets:
            text += _("作废准考证%(v)d张，已通知考生。") % {"v": result.voided_tickets}
        if result.skipped:
            text += _("%(s)d人未安排：%(why)s") % {"s": len(result.skipped), "why": "；".join(
                f"{Application.objects.get(pk=pk).full_name}（{why}）" for pk, why in result.skipped[:3])
                + ("……" if len(result.skipped) > 3 else "")}
        messages.success(request, text)
    if form.cleaned_data["next"] == "batch":
        return redirect("console:batch_detail", pk=session.batch_id)
    return redirect("console:session_detail", pk=session.pk)


@staff_required(can_read)
def room_document(request: HttpRequest, pk: int, room_pk: int, kind: str) -> HttpResponse:
    session = selectors.session_get_for_user(request.user, pk)
    room = session.rooms.select_related("venue").filter(pk=room_pk).first()
    if room is None:
        raise Http404
    if kind == "checklist":
        return _pdf(documents.room_checklist_pdf(session, room), f"checklist-{session.pk}-{room.pk}.pdf")
    if kind not in documents.ROOM_DOCUMENTS:
        raise Http404
    render_pdf, _label = documents.ROOM_DOCUMENTS[kind]
    return _pdf(render_pdf(session, room), f"{kind}-{session.pk}-{room.pk}.pdf")


@staff_required(can_schedule)
@require_POST
def staff_remove(request: HttpRequest, pk: int) -> HttpResponse:
    a = StaffAssignment.objects.filter(pk=pk).select_related("session").first()
    if a is None:
        raise Http404
    selectors.session_get_for_user(request.user, a.session_id, roles=selectors.SCHEDULERS)
    perform(request, staffing.staff_remove, _("已取消该人员的安排。"), actor=request.user, assignment_id=a.pk)
    return redirect("console:session_detail", pk=a.session_id)


@staff_required(can_schedule)
def staff_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """A staff member's employer, work-card photo and declared conflicts of interest."""
    person = selectors.staff_member_get_for_user(request.user, pk)
    profile = StaffProfile.objects.filter(user=person).first()
    form = forms.StaffProfileForm(initial={"employer": profile.employer if profile else ""})
    conflict_form = forms.ConflictForm()
    if request.method == "POST":
        if WhichForm(request.POST, name="what", choices=("profile", "conflict")).value == "conflict":
            conflict_form = forms.ConflictForm(request.POST)
            if conflict_form.is_valid() and run_service(conflict_form, staffing.conflict_declare, actor=request.user,
                                                        staff=person, **conflict_form.cleaned_data):
                messages.success(request, _("已登记回避情形。"))
                return redirect("console:staff_profile", pk=person.pk)
        else:
            form = forms.StaffProfileForm(request.POST, request.FILES)
            if form.is_valid() and run_service(form, staffing.staff_profile_save, actor=request.user, user=person,
                                               employer=form.cleaned_data["employer"],
                                               photo=form.cleaned_data["photo"]):
                messages.success(request, _("资料已保存。"))
                return redirect("console:staff_profile", pk=person.pk)
    return render(request, "console/scheduling/staff_profile.html", {
        "person": person, "profile": profile, "form": form, "conflict_form": conflict_form,
        "conflicts": ConflictDeclaration.objects.filter(staff=person)})


@staff_required(can_schedule)
def staff_photo(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.staff_member_get_for_user(request.user, pk)
    profile = StaffProfile.objects.filter(user=person).first()
    if profile is None or not profile.photo:
        raise Http404
    return private_file_response(profile.photo, "image/jpeg" if profile.photo.name.endswith("jpg") else "image/png",
                                 inline=True)


# --- Jobs --------------------------------------------------------------------------------------------------

@staff_required(can_read)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get_for_user(request.user, pk)
    return render(request, "console/scheduling/job_detail.html", {"job": job})


@staff_required(can_read)
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = selectors.job_get_for_user(request.user, pk)
    return JsonResponse({"status": job.status, "status_label": job.get_status_display(), "done": job.done,
                         "total": job.total, "percent": job.percent, "finished": job.finished,
                         "message": job.message if job.status == JobStatus.FAILED else ""})


@staff_required(can_read)
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = selectors.job_get_for_user(request.user, pk)
    if job.status != JobStatus.DONE or not job.result:
        raise Http404
    return private_file_response(job.result, "application/zip", inline=False, name=job.result_name)


# --- The chief examiner's sign-off (A.1.2) -------------------------------------------------------------------

@staff_required(selectors.leads_sessions)
def my_sittings(request: HttpRequest) -> HttpResponse:
    posts = list(selectors.led_sessions(request.user))
    signed = set(RoomSignOff.objects.filter(session__in=[p.session_id for p in posts])
                 .values_list("session_id", "room_id"))
    rows = []
    for p in posts:
        rooms = [(r, (p.session_id, r.pk) in signed) for r in p.session.rooms.filter(venue=p.venue, is_emergency=False)]
        rows.append({"post": p, "rooms": rooms})
    return render(request, "console/scheduling/my_sittings.html", {"rows": rows})


@staff_required(selectors.leads_sessions)
def room_sign_off(request: HttpRequest, pk: int, room_pk: int) -> HttpResponse:
    session = selectors.led_session_get(request.user, pk)
    room = session.rooms.select_related("venue").filter(pk=room_pk).first()
    if room is None:
        raise Http404
    existing = RoomSignOff.objects.filter(session=session, room=room).select_related("signed_by").first()
    form = forms.SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and existing is None:
        if run_service(form, staffing.room_sign_off, actor=request.user, session_id=session.pk, room_id=room.pk,
                       items=form.cleaned_data):
            messages.success(request, _("%(r)s已验收签字。") % {"r": room.name})
            return redirect("console:my_sittings")
    return render(request, "console/scheduling/sign_off.html", {
        "session": session, "room": room, "form": form, "existing": existing, "items": ROOM_SIGNOFF_ITEMS,
        "problems": [p for p in staffing.session_problems(session)
                     if p.where.endswith(f"{room.venue.name} {room.name}") and p.code != "unsigned"]})
