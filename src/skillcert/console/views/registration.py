"""Console pages for registration (§6.1): annual plans, announcements, eligibility rule sets,
application review, fees, Excel import and the registration summary. Thin: rule, selector, service."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from skillcert.accounts.enums import OrgKind
from skillcert.accounts.models import Organisation
from skillcert.catalog.models import Occupation
from skillcert.core.excel import XLSX_MIME, workbook_bytes
from skillcert.core.files import private_file_response
from skillcert.core.forms import ListQueryForm, form_refusal, run_service
from skillcert.registration import applications, imports, selectors, services
from skillcert.registration import rules as registration_rules
from skillcert.registration.eligibility import describe_rule_set
from skillcert.registration.enums import ANNOUNCEMENT_TRANSITIONS, PENDING_REVIEW, AnnouncementStatus
from skillcert.registration.models import AnnualPlanRow
from skillcert.registration.selectors import ordered_documents
from skillcert.registration.storage import private_storage

from ..common import REPORT_DIR, flash_refusal, perform, staff_required, store_import_report
from ..forms import registration as forms
from ..forms.accounts import TargetForm

can_register = registration_rules.can_register
can_read_registrations = registration_rules.can_read_registrations


def _bodies(user):
    ids = selectors.body_ids(user)
    qs = Organisation.objects.filter(kind=OrgKind.BODY, is_active=True)
    return qs if ids is None else qs.filter(pk__in=ids)


def _body_for(request: HttpRequest) -> Organisation:
    """The body named by ``?body=`` when it is one of the user's, else the user's first body."""
    bodies = _bodies(request.user)
    form = forms.BodyChoiceForm(request.GET, bodies=bodies)
    chosen = form.cleaned_data["body"] if form.is_valid() else None
    chosen = chosen or bodies.first()
    if chosen is None:
        raise PermissionDenied
    return chosen


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Annual plans ----------------------------------------------------------------------------

@staff_required(can_register)
def plan_list(request: HttpRequest) -> HttpResponse:
    body = _body_for(request)
    form = forms.PlanCreateForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        plan = run_service(form, services.plan_create, actor=request.user, body=body, **form.cleaned_data)
        if plan:
            messages.success(request, _("已创建%(y)d年度工作计划。") % {"y": plan.year})
            return redirect("console:plan_detail", pk=plan.pk)
    return render(request, "console/registration/plan_list.html", {
        "plans": selectors.plan_list_for_user(request.user).prefetch_related("rows"), "form": form, "body": body})


@staff_required(can_register)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(request.user, pk)
    form = forms.PlanRowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.plan_row_add, actor=request.user, plan_id=plan.pk, **form.cleaned_data):
            messages.success(request, _("已添加计划批次。"))
            return redirect("console:plan_detail", pk=plan.pk)
    rows = plan.rows.select_related("occupation", "trade", "level")
    return render(request, "console/registration/plan_detail.html", {
        "plan": plan, "rows": rows, "form": form, "total": sum(r.planned_candidates for r in rows)})


@staff_required(can_register)
@require_POST
def plan_row_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(AnnualPlanRow, pk=pk)
    plan = selectors.plan_get_for_user(request.user, row.plan_id)
    perform(request, services.plan_row_delete, _("已删除计划批次。"), actor=request.user, row_id=row.pk)
    return redirect("console:plan_detail", pk=plan.pk)


@staff_required(can_register)
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The "当年工作计划" to report to the supervising platform by the end of January (§6.7.3)."""
    plan = selectors.plan_get_for_user(request.user, pk)
    header = [_("年度"), _("月份"), _("职业编码"), _("职业"), _("工种"), _("等级"), _("计划人数"), _("备注")]
    rows = ([plan.year, r.month, r.occupation.code, r.occupation.name, r.trade.name if r.trade else _("全部工种"),
             str(r.level), r.planned_candidates, r.notes]
            for r in plan.rows.select_related("occupation", "trade", "level"))
    return _xlsx(workbook_bytes(_("年度工作计划"), header, rows), f"plan-{plan.year}.xlsx")


# --- Announcements ---------------------------------------------------------------------------

@staff_required(can_register)
def announcement_list(request: HttpRequest) -> HttpResponse:
    anns = selectors.announcement_list_for_user(request.user).order_by("-created_at")
    return render(request, "console/registration/announcement_list.html", {"announcements": anns})


@staff_required(can_register)
def announcement_create(request: HttpRequest) -> HttpResponse:
    body = _body_for(request)
    form = forms.AnnouncementForm(request.POST or None, body=body)
    if request.method == "POST" and form.is_valid():
        ann = run_service(form, services.announcement_create, actor=request.user, body=body, **form.service_kwargs())
        if ann:
            messages.success(request, _("公告草稿已保存。核对无误后请发布。"))
            return redirect("console:announcement_detail", pk=ann.pk)
    return render(request, "console/registration/announcement_form.html", {"form": form, "body": body})


@staff_required(can_register)
def announcement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ann = selectors.announcement_get_for_user(request.user, pk)
    if ann.status != AnnouncementStatus.DRAFT:
        messages.warning(request, _("只有草稿状态的公告可以修改。"))
        return redirect("console:announcement_detail", pk=ann.pk)
    form = forms.AnnouncementForm(request.POST or None, instance=ann, body=ann.body)
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.announcement_update, actor=request.user, announcement_id=ann.pk,
                       **form.service_kwargs()):
            messages.success(request, _("已保存。"))
            return redirect("console:announcement_detail", pk=ann.pk)
    return render(request, "console/registration/announcement_form.html", {"form": form, "body": ann.body,
                                                                          "announcement": ann})


@staff_required(can_register)
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ann = selectors.announcement_get_for_user(request.user, pk)
    labels = dict(AnnouncementStatus.choices)
    return render(request, "console/registration/announcement_detail.html", {
        "ann": ann, "offers": ann.offers.select_related("occupation", "trade", "level"),
        "targets": [(t, labels[t]) for t in ANNOUNCEMENT_TRANSITIONS[ann.status]],
        "summary": selectors.registration_summary(ann),
        "batches": ann.import_batches.select_related("uploaded_by")[:10],
    })


@staff_required(can_register)
@require_POST
def announcement_transition(request: HttpRequest, pk: int) -> HttpResponse:
    ann = selectors.announcement_get_for_user(request.user, pk)
    form = TargetForm(request.POST, choices=AnnouncementStatus.choices)
    if form.is_valid():
        perform(request, services.announcement_transition, _("公告状态已更新。"), actor=request.user,
                announcement_id=ann.pk, target=form.cleaned_data["target"])
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:announcement_detail", pk=ann.pk)


@staff_required(can_read_registrations)
def registration_summary_export(request: HttpRequest, pk: int) -> HttpResponse:
    """§6.1.5: registrations by trade × level × status, as Excel."""
    ann = selectors.announcement_get_for_user(request.user, pk, roles=selectors.READ_ROLES)
    summary = selectors.registration_summary(ann)
    header = [_("职业"), _("工种"), _("等级"), *[s.label for s in summary["statuses"]], _("合计")]
    rows = [[r["offer"].occupation.name, r["trade"], str(r["offer"].level), *r["cells"], r["total"]]
            for r in summary["rows"]]
    rows.append([_("合计"), "", "", *summary["totals"], summary["total"]])
    return _xlsx(workbook_bytes(_("报名汇总"), header, rows), f"registrations-{ann.pk}.xlsx")


# --- Eligibility rule sets ---------------------------------------------------------------------

@staff_required(can_register)
def rule_set_list(request: HttpRequest) -> HttpResponse:
    body = _body_for(request)
    items = []
    for occ in Occupation.objects.filter(is_active=True).prefetch_related("levels"):
        for level in occ.levels.order_by("-number"):
            data, origin = services.effective_rule_set(body.pk, occ, level)
            items.append({"occupation": occ, "level": level, "origin": origin,
                          "lines": describe_rule_set(data) if data else []})
    special = body.rule_sets.filter(announcement__isnull=False).select_related("announcement", "occupation", "level")
    return render(request, "console/registration/rule_set_list.html", {
        "body": body, "items": items,
        "special": [(r, describe_rule_set(r.rules)) for r in special]})


@staff_required(can_register)
def rule_set_edit(request: HttpRequest, occupation_pk: int, level_pk: int) -> HttpResponse:
    body = _body_for(request)
    occ = get_object_or_404(Occupation, pk=occupation_pk)
    level = get_object_or_404(occ.levels, pk=level_pk)
    scope = forms.RuleSetScopeForm(request.GET, announcements=selectors.announcement_list_for_user(request.user))
    if not scope.is_valid():
        raise Http404  # an announcement the user may not see, or not a number: as if it did not exist
    ann = scope.cleaned_data["announcement"]
    if ann is not None:
        body = ann.body
    data, origin = services.effective_rule_set(body.pk, occ, level, ann.pk if ann else None)
    initial = {"rules": json.dumps(data or [], ensure_ascii=False, indent=2)}
    form = forms.RuleSetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, services.rule_set_save, actor=request.user, body=body, occupation=occ, level=level,
                            rules_data=form.cleaned_data["rules"], announcement=ann, note=form.cleaned_data["note"])
        if saved:
            messages.success(request, _("申报条件已保存。"))
            return redirect(f"{request.path}?body={body.pk}" + (f"&announcement={ann.pk}" if ann else ""))
    return render(request, "console/registration/rule_set_form.html", {
        "form": form, "occupation": occ, "level": level, "announcement": ann, "origin": origin, "body": body,
        "lines": describe_rule_set(data) if data else []})


# --- Applications and review -------------------------------------------------------------------

@staff_required(can_read_registrations)
def application_list(request: HttpRequest, pk: int) -> HttpResponse:
    ann = selectors.announcement_get_for_user(request.user, pk, roles=selectors.READ_ROLES)
    form = forms.ApplicationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    apps = selectors.application_list_for_user(request.user, announcement_id=ann.pk, **{
        k: v for k, v in filters.items() if v})
    nav = ListQueryForm(request.GET)
    page = Paginator(apps, 50).get_page(nav.value("page"))
    query = nav.query_without("page")
    return render(request, "console/registration/application_list.html", {
        "ann": ann, "form": form, "page": page, "query": query.urlencode(), "pending": PENDING_REVIEW,
        "can_review": registration_rules.reviews_applications(request.user, ann.body_id)})


@staff_required(can_register)
@require_POST
def application_bulk_approve(request: HttpRequest, pk: int) -> HttpResponse:
    ann = selectors.announcement_get_for_user(request.user, pk)
    form = forms.BulkApproveForm(request.POST, applications=selectors.application_list_for_user(
        request.user, announcement_id=ann.pk))
    if form.is_valid():
        result = perform(request, applications.application_bulk_approve, "", actor=request.user,
                         announcement_id=ann.pk, application_ids=[a.pk for a in form.cleaned_data["ids"]])
        if result is not None:
            messages.success(request, _("已通过 %(n)d 份报名。") % {"n": len(result.approved)})
        if result is not None and result.skipped:
            messages.warning(request, _("%(n)d 份未处理（需逐份审核或已审核）：%(why)s") % {
                "n": len(result.skipped), "why": "；".join(f"#{pk} {why}" for pk, why in result.skipped[:10])})
    else:
        flash_refusal(request, form_refusal(form))
    back = form.cleaned_data.get("back", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("console:application_list", pk=ann.pk)


@staff_required(can_read_registrations)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_get_for_user(request.user, pk)
    can_review = registration_rules.reviews_applications(request.user, app.announcement.body_id)
    review_form = forms.ReviewForm(request.POST or None, prefix="r")
    if request.method == "POST" and can_review and review_form.is_valid():
        if run_service(review_form, applications.application_review, actor=request.user, application_id=app.pk,
                       decision=review_form.cleaned_data["decision"], note=review_form.cleaned_data["note"]):
            messages.success(request, _("审核结论已保存，考生已收到通知。"))
            nxt = (selectors.application_list_for_user(request.user, announcement_id=app.announcement_id)
                   .filter(status__in=PENDING_REVIEW).exclude(pk=app.pk).order_by("submitted_at").first())
            return redirect("console:application_detail", pk=nxt.pk) if nxt else redirect(
                "console:application_list", pk=app.announcement_id)
    profile = getattr(app.candidate, "candidate_profile", None)
    return render(request, "console/registration/application_detail.html", {
        "app": app, "documents": ordered_documents(app), "review_form": review_form, "fee_form": forms.FeeForm(),
        "can_review": can_review and app.status in PENDING_REVIEW, "can_fee": can_review,
        "fees": app.fee_entries.select_related("recorded_by"), "has_photo": bool(profile and profile.photo)})


@staff_required(can_register)
@require_POST
def fee_record(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_get_for_user(request.user, pk)
    form = forms.FeeForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        perform(request, applications.fee_record, _("费用已登记。"), actor=request.user, application_id=app.pk,
                kind=d["kind"], amount_fen=applications.yuan_to_fen(d["amount"] or 0),
                receipt_number=d["receipt_number"], note=d["note"])
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:application_detail", pk=app.pk)


@staff_required(can_read_registrations)
@xframe_options_sameorigin  # shown beside the facts on the review page
def document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get_for_user(request.user, pk)
    return private_file_response(doc.file, doc.content_type, name=doc.original_name,
                                 inline=ListQueryForm(request.GET).value("inline") == "1")


@staff_required(can_read_registrations)
def application_photo(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_get_for_user(request.user, pk)
    profile = getattr(app.candidate, "candidate_profile", None)
    if profile is None or not profile.photo:
        raise Http404
    kind = "image/png" if profile.photo.name.endswith(".png") else "image/jpeg"
    return private_file_response(profile.photo, kind, inline=True)


# --- Excel import ------------------------------------------------------------------------------

@staff_required(can_register)
def import_page(request: HttpRequest, pk: int) -> HttpResponse:
    ann = selectors.announcement_get_for_user(request.user, pk)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result, report = None, None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = run_service(form, imports.import_applications, actor=request.user, announcement_id=ann.pk,
                             data=upload.read(), file_name=upload.name)
        if result is not None and result.ok:
            messages.success(request, _("已导入 %(n)d 名考生的报名，进入资格审核。") % {"n": result.rows})
            return redirect("console:application_list", pk=ann.pk)
        if result is not None:
            report = store_import_report(request.user, result.errors)
    return render(request, "console/registration/import.html", {
        "ann": ann, "form": form, "result": result, "report": report,
        "shown": result.errors[:500] if result else []})


@staff_required(can_register)
def import_template(request: HttpRequest, pk: int) -> HttpResponse:
    ann = selectors.announcement_get_for_user(request.user, pk)
    return _xlsx(imports.template_bytes(ann), f"registration-template-{ann.pk}.xlsx")


def _imports_anything(user) -> bool:
    from skillcert.itembank.rules import uses_banks

    return can_register(user) or uses_banks(user)


@staff_required(_imports_anything)
def import_report(request: HttpRequest, token: str) -> HttpResponse:
    """The error report of the user's own refused import — registrations or bank items (the token is random
    and per user)."""
    if not token.isalnum():
        raise Http404
    name = f"{REPORT_DIR}/{request.user.pk}/{token}.xlsx"
    storage = private_storage()
    if not storage.exists(name):
        raise Http404
    with storage.open(name, "rb") as fh:
        return _xlsx(fh.read(), "import-errors.xlsx")
