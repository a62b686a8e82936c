"""Candidate portal (thin): sign-up, login by ID number or phone, profile, applications, notices."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from skillcert.accounts import rules, throttle
from skillcert.accounts.forms import CandidatePasswordResetRequestForm
from skillcert.accounts.selectors import site_body
from skillcert.accounts.views import login_flow, password_reset_flow
from skillcert.catalog.selectors import occupation_list
from skillcert.core.context import get_client_ip
from skillcert.core.files import private_file_response
from skillcert.core.forms import flash_refusal, form_refusal, perform, run_service
from skillcert.core.models import Notification
from skillcert.core.notify import notifications_mark_read
from skillcert.grading import results as grading_results
from skillcert.registration import applications, candidates, selectors
from skillcert.registration.enums import ApplicationStatus
from skillcert.registration.models import AnnouncementOffer, PriorCertificate
from skillcert.scheduling import selectors as scheduling_selectors

from . import forms


def candidate_required(view):
    """Anonymous → the portal login; signed in without the candidate role → 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="portal:login")
        if not rules.is_candidate(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def home(request: HttpRequest) -> HttpResponse:
    """Candidate portal entry: how certification works here (§5 图1, §6.1.3), open announcements,
    and for a signed-in candidate their applications and notices."""
    context = {"body": site_body(), "occupations": occupation_list(active_only=True),
               "open_announcements": selectors.open_announcements()[:10]}
    if request.user.is_authenticated and rules.is_candidate(request.user):
        context["applications"] = selectors.candidate_applications(request.user)
        context["unread"] = Notification.objects.filter(user=request.user, read_at__isnull=True)[:5]
        context["tickets"] = _tickets_with_sessions(request.user)
        context["void_tickets"] = list(scheduling_selectors.candidate_void_tickets(request.user)[:10])
        from skillcert.certificates.models import Certificate

        context["certificates"] = list(Certificate.objects.filter(holder=request.user).select_related(
            "replaced_by").order_by("-issue_date", "number"))
    return render(request, "portal/home.html", context)


@candidate_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder's own electronic certificate (§8.2.1), with the signed QR; a revoked or replaced one is not
    handed out."""
    from django.db import transaction

    from skillcert.certificates.documents import certificate_pdf as render_pdf
    from skillcert.certificates.models import Certificate, CertificateStatus
    from skillcert.core import audit

    cert = (Certificate.objects.select_related("holder__candidate_profile")
            .filter(pk=pk, holder=request.user, status=CertificateStatus.VALID).first())
    if cert is None:
        raise Http404
    try:
        data = render_pdf([cert], electronic=True)
    except ValidationError as exc:  # §8.2.3.2–3: the photo or the body's seal is missing
        flash_refusal(request, exc)
        return redirect("portal:home")
    with transaction.atomic():
        audit.record(request.user, "certificates.downloaded", target=cert, data={"number": cert.number})
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    return response


def _tickets_with_sessions(user) -> list:
    from skillcert.scheduling.models import SeatAssignment

    tickets = list(scheduling_selectors.candidate_tickets(user))
    for t in tickets:
        t.seats = (SeatAssignment.objects.filter(session__batch_id=t.batch_id, application_id=t.application_id)
                   .select_related("session", "seat__room__venue").order_by("session__starts_at"))
    return tickets


@candidate_required
def ticket_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate's own admission ticket (§6.2.1), rendered on demand so it always shows the
    current seat; only valid tickets of the signed-in candidate are found."""
    from skillcert.scheduling.documents import ticket_pdf as render_ticket

    ticket = scheduling_selectors.candidate_ticket_get(request.user, pk)
    response = HttpResponse(render_ticket(ticket), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="admission-ticket-{ticket.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    return login_flow(request, template="portal/login.html", default_next="/portal/",
                      form_class=forms.CandidateLoginForm)


@sensitive_post_parameters("login")
@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    """The candidate's "忘记密码": by ID number or phone, as at the login (issue #20 item 6b)."""
    return password_reset_flow(request, template="portal/password_reset.html",
                               form_class=CandidatePasswordResetRequestForm)


@sensitive_post_parameters("password", "password2")
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = forms.SignupForm(request.POST or None)
    ip = get_client_ip()
    if request.method == "POST" and throttle.blocked(throttle.SIGNUP_ADDRESS, ip):
        form.is_valid()
        form.add_error(None, _("此地址注册尝试次数过多，请 1 小时后再试。"))
    elif request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "password2"}
        user = run_service(form, candidates.candidate_signup, **data)
        if user is None:  # refused sign-ups are throttled: the neutral answer must not be asked for in bulk
            throttle.hit(throttle.SIGNUP_ADDRESS, ip)
        if user:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功。请先完善个人资料并上传证件照，然后选择公告报名。"))
            return redirect("portal:profile")
    return render(request, "portal/signup.html", {"form": form})


@candidate_required
def profile(request: HttpRequest) -> HttpResponse:
    prof = candidates.profile_of(request.user)
    form = forms.ProfileForm(request.POST or None, instance=prof, prefix="p")
    if request.method == "POST" and form.is_valid():
        if run_service(form, candidates.profile_update, actor=request.user, **form.cleaned_data):
            messages.success(request, _("个人资料已保存。"))
            return redirect("portal:profile")
    return render(request, "portal/profile.html", {
        "form": form, "profile": prof, "photo_form": forms.PhotoForm(), "cert_form": forms.CertificateForm(),
        "certificates": prof.certificates.select_related("occupation", "level")})


@candidate_required
@require_POST
def photo_upload(request: HttpRequest) -> HttpResponse:
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid() and run_service(form, candidates.photo_set, actor=request.user,
                                       upload=form.cleaned_data["photo"]):
        messages.success(request, _("证件照已上传。"))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("portal:profile")


@candidate_required
def photo(request: HttpRequest) -> HttpResponse:
    prof = candidates.profile_of(request.user)
    if not prof.photo:
        raise Http404
    return private_file_response(prof.photo, "image/png" if prof.photo.name.endswith(".png") else "image/jpeg",
                                 inline=True)


@candidate_required
@require_POST
def certificate_add(request: HttpRequest) -> HttpResponse:
    form = forms.CertificateForm(request.POST)
    if form.is_valid() and run_service(form, candidates.certificate_add, actor=request.user, **form.cleaned_data):
        messages.success(request, _("证书已添加。"))
    else:
        messages.error(request, " ".join(f"{form.fields[f].label if f in form.fields else ''} {e}"
                                         for f, errs in form.errors.items() for e in errs))
    return redirect("portal:profile")


@candidate_required
@require_POST
def certificate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not PriorCertificate.objects.filter(pk=pk, profile__user=request.user).exists():
        raise Http404
    perform(request, candidates.certificate_delete, _("证书已删除。"), actor=request.user, certificate_id=pk)
    return redirect("portal:profile")


def _preselected(request: HttpRequest) -> int | None:
    choice = forms.OfferChoiceForm(request.GET)
    return choice.cleaned_data["offer"] if choice.is_valid() else None


@candidate_required
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    ann = selectors.public_announcement_get(pk)
    offers = list(AnnouncementOffer.objects.filter(announcement=ann).select_related("occupation", "trade", "level"))
    form = forms.ApplicationForm(request.POST or None, request.FILES or None, offers=offers,
                                 initial={"offer": _preselected(request)})
    if request.method == "POST" and form.is_valid():
        app = run_service(form, applications.application_submit, actor=request.user, announcement_id=ann.pk,
                          offer_id=int(form.cleaned_data["offer"]), submission=form.submission())
        if app:
            messages.success(request, _("报名已提交，请等待资格审核。"))
            return redirect("portal:application_detail", pk=app.pk)
    prof = candidates.profile_of(request.user)
    return render(request, "portal/apply.html", {
        "announcement": ann, "form": form, "profile": prof,
        "ready": bool(prof.photo) and prof.education is not None, "now": timezone.now()})


@candidate_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.candidate_application_get(request.user, pk)
    form = None
    if app.status == ApplicationStatus.RETURNED:
        form = forms.ApplicationForm(request.POST or None, request.FILES or None, resubmit=True)
        for kind in ("id_card", "diploma", "work_proof"):
            form.fields[f"doc_{kind}"].required = False
        if request.method == "POST" and form.is_valid():
            if run_service(form, applications.application_resubmit, actor=request.user, application_id=app.pk,
                           submission=form.submission()):
                messages.success(request, _("已重新提交，请等待审核。"))
                return redirect("portal:application_detail", pk=app.pk)
    elif request.method == "POST":
        return redirect("portal:application_detail", pk=app.pk)
    result = grading_results.published_result(app)  # nothing before publication (§10.7)
    if result:  # a part awaited from another batch reads 成绩待出, as on the console
        grading_results.state_labels(result.batch, [result])
    return render(request, "portal/application_detail.html", {
        "app": app, "form": form, "documents": selectors.ordered_documents(app), "result": result,
        "recheck": grading_results.recheck_options(result) if result else None,
        "can_withdraw": app.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED,
                                       ApplicationStatus.RESUBMITTED)})


@candidate_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.candidate_application_get(request.user, pk)
    # an illegal move is shown as a message, nothing changed
    perform(request, applications.application_withdraw, _("报名已撤回。"), actor=request.user, application_id=app.pk)
    return redirect("portal:application_detail", pk=app.pk)


@candidate_required
@require_POST
def result_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    """成绩复核申请 on the candidate's own published result."""
    app = selectors.candidate_application_get(request.user, pk)
    result = grading_results.published_result(app)
    if result is None:
        raise Http404
    form = forms.RecheckRequestForm(request.POST)
    if form.is_valid():
        perform(request, grading_results.recheck_request, _("成绩复核申请已提交，评价机构答复后会通知您。"),
                actor=request.user, result_id=result.pk, **form.cleaned_data)
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("portal:application_detail", pk=app.pk)


@candidate_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get_for_user(request.user, pk)
    if doc.application.candidate_id != request.user.pk:
        raise Http404
    return private_file_response(doc.file, doc.content_type, inline=False, name=doc.original_name)


@candidate_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The candidate's notices, read-only (issue #21 item 1: a GET never writes); the button 「全部标为已读」
    posts to ``notifications_read``."""
    notes = list(Notification.objects.filter(user=request.user)[:100])
    unread = any(n.read_at is None for n in notes)
    form = forms.NotificationsReadForm(initial={"up_to": max((n.pk for n in notes), default=0)})
    return render(request, "portal/notifications.html", {"notes": notes, "unread": unread, "read_form": form})


@candidate_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark the candidate's own notices read, up to the newest the page showed."""
    form = forms.NotificationsReadForm(request.POST)
    if not form.is_valid():
        flash_refusal(request, form_refusal(form))
    else:
        perform(request, notifications_mark_read, _("已全部标为已读。"), actor=request.user,
                up_to=form.cleaned_data["up_to"])
    return redirect("portal:notifications")
