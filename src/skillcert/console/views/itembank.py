"""Console pages for the question bank (§7, §10): the sufficiency dashboard, blueprints, items and their
versions, review, acceptance meetings, releases, imports, approved exports and problem reports. Thin:
rule, selector, service. Every page that shows content reads it through ``services.item_content`` or
``services.contents_for``, which audit the reader."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillcert.accounts.models import User
from skillcert.core.errors import DomainError
from skillcert.core.excel import XLSX_MIME
from skillcert.core.forms import ListQueryForm, form_refusal, run_service
from skillcert.itembank import blueprints, exchange, rules, selectors, services, sufficiency
from skillcert.itembank import content as content_mod
from skillcert.itembank.enums import ITEM_TRANSITIONS, ExportStatus, ItemStatus, MeetingStatus
from skillcert.itembank.models import ItemAttachment

from ..common import download, flash_refusal, perform, staff_required, store_import_report
from ..forms import itembank as forms
from ..forms.accounts import TargetForm, WhichForm

uses_banks = rules.uses_banks
PREVIEW_LIMIT = 100


# --- Banks and the sufficiency dashboard (§7.1.3.2) ------------------------------------------------------

@staff_required(uses_banks)
def bank_list(request: HttpRequest) -> HttpResponse:
    banks = list(selectors.bank_list_for_user(request.user))
    counts = sufficiency.part_counts(banks)
    rows = []
    for b in banks:
        parts = sufficiency.summary(b, counts[b.pk])
        rows.append({"bank": b, "parts": parts, "short": any(p.short for p in parts)})
    form = forms.BankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        body = request.user.organisation
        if body is None:
            raise Http404
        bank = run_service(form, services.bank_create, actor=request.user, body=body, **form.cleaned_data)
        if bank:
            messages.success(request, _("题库“%(b)s”已建立，请导入认定要素细目表。") % {"b": bank})
            return redirect("console:bank_detail", pk=bank.pk)
    return render(request, "console/itembank/bank_list.html", {
        "rows": rows, "form": form, "to_sign": selectors.meetings_to_sign(request.user).select_related("bank"),
        "can_create": rules.creates_banks(request.user)})


@staff_required(uses_banks)
def bank_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_get_for_user(request.user, pk)
    report = sufficiency.report(bank)
    upload = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload.is_valid():
        bp = run_service(upload, blueprints.blueprint_import, actor=request.user, bank_id=bank.pk,
                         data=upload.cleaned_data["file"].read(), note=upload.cleaned_data["note"])
        if bp:
            messages.success(request, _("已导入细目表第%(v)d版，审定后生效。") % {"v": bp.version})
            return redirect("console:blueprint_detail", pk=bp.pk)
    return render(request, "console/itembank/bank_detail.html", {
        "bank": bank, "report": report, "upload": upload, "manages": rules.manages(request.user, bank),
        "reviews": rules.reviews(request.user, bank), "writes": rules.writes(request.user, bank),
        "blueprints": bank.blueprints.select_related("approved_by").order_by("-version"),
        "queue": selectors.review_queue(request.user, bank)[:50] if rules.reviews(request.user, bank) else [],
        "meetings": bank.meetings.order_by("-held_on")[:10], "releases": bank.releases.order_by("-number")[:10],
        "problems": selectors.problems_open(bank)[:20],
        "pipeline": [(label, report.pipeline[s]) for s, label in ItemStatus.choices if s in report.pipeline]})


@staff_required(uses_banks)
def blueprint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bp = selectors.blueprint_get_for_user(request.user, pk)
    return render(request, "console/itembank/blueprint_detail.html", {
        "bp": bp, "nodes": bp.nodes.order_by("sort_order"), "manages": rules.manages(request.user, bp.bank)})


@staff_required(uses_banks)
def blueprint_export(request: HttpRequest, pk: int) -> HttpResponse:
    bp = selectors.blueprint_get_for_user(request.user, pk)
    return download(blueprints.export_bytes(bp), f"blueprint-{bp.bank_id}-v{bp.version}.xlsx", XLSX_MIME)


@staff_required(uses_banks)
@require_POST
def blueprint_approve(request: HttpRequest, pk: int) -> HttpResponse:
    bp = selectors.blueprint_get_for_user(request.user, pk)
    perform(request, blueprints.blueprint_approve, _("细目表第%(v)d版已审定，成为现行版本。") % {"v": bp.version},
             actor=request.user, blueprint_id=bp.pk)
    return redirect("console:blueprint_detail", pk=bp.pk)


# --- Items ----------------------------------------------------------------------------------------------

def _search(request: HttpRequest, bank):
    form = forms.SearchForm(request.GET or None)
    qs = selectors.item_search(bank)
    if form.is_valid():
        d = form.cleaned_data
        qs = selectors.item_search(bank, element=d["element"], types=d["type"], statuses=d["status"],
                                   difficulty_min=d["difficulty_min"], difficulty_max=d["difficulty_max"],
                                   code=d["code"])
    return form, qs


@staff_required(uses_banks)
def item_list(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_get_for_user(request.user, pk)
    form, qs = _search(request, bank)
    nav = ListQueryForm(request.GET)
    page = Paginator(qs.select_related("author"), 50).get_page(nav.value("page"))
    query = nav.query_without("page")
    return render(request, "console/itembank/item_list.html", {
        "bank": bank, "form": form, "page": page, "query": query.urlencode(), "total": page.paginator.count,
        "writes": rules.writes(request.user, bank), "can_preview": rules.manages(request.user, bank)
        or rules.reviews(request.user, bank)})


def render_preview(actor, bank, items) -> dict:
    """Open up to PREVIEW_LIMIT items' current versions (one audit entry) for the preview page."""
    items = list(items.select_related("current_version")[:PREVIEW_LIMIT])
    versions = []
    for item in items:
        item.current_version.item = item
        versions.append(item.current_version)
    opened = services.contents_for(actor=actor, versions=versions, purpose="preview")
    return {"bank": bank, "rows": [{"item": i, "c": opened[i.current_version_id]} for i in items],
            "limit": PREVIEW_LIMIT}


@staff_required(uses_banks)
def item_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The filtered items as a paper would show them (at most 100), watermarked with the reader."""
    bank = selectors.bank_get_for_user(request.user, pk)
    if not (rules.manages(request.user, bank) or rules.reviews(request.user, bank)):
        raise PermissionDenied
    _form, qs = _search(request, bank)
    return render(request, "console/itembank/preview.html", render_preview(request.user, bank, qs))


@staff_required(uses_banks)
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_get_for_user(request.user, pk)
    if not rules.writes(request.user, bank):
        raise PermissionDenied
    form = forms.ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = run_service(form, services.item_create, actor=request.user, bank_id=bank.pk, meta=form.meta(),
                           content=form.content(), note=form.cleaned_data["note"])
        if item:
            messages.success(request, _("试题 %(c)s 已保存为草稿。") % {"c": item.code})
            return redirect("console:item_detail", pk=item.pk)
    return render(request, "console/itembank/item_form.html", {"bank": bank, "form": form, "item": None})


@staff_required(uses_banks)
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for_user(request.user, pk)
    if not (item.author_id == request.user.pk or rules.manages(request.user, item.bank)):
        raise PermissionDenied
    if item.status not in (ItemStatus.DRAFT, ItemStatus.RETURNED):
        messages.error(request, _("只有草稿或退回修改的试题可以修改。"))
        return redirect("console:item_detail", pk=item.pk)
    try:
        current = services.item_content(actor=request.user, item=item, purpose="edit")
    except PermissionDenied:
        raise Http404 from None
    form = forms.ItemForm(request.POST or None, initial=forms.ItemForm.initial_from(item, current))
    attach = forms.AttachmentForm(request.POST or None, request.FILES or None, prefix="att")
    if request.method == "POST" and "att-file" in request.FILES:
        if attach.is_valid():
            att = run_service(attach, services.attachment_add, actor=request.user, item_id=item.pk,
                              upload=attach.cleaned_data["file"])
            if att:
                messages.success(request, _("附图 #%(n)d 已上传；在“附图编号”中填写它并保存，才会出现在题目中。")
                                 % {"n": att.pk})
                return redirect("console:item_edit", pk=item.pk)
        form = forms.ItemForm(initial=forms.ItemForm.initial_from(item, current))
    elif request.method == "POST" and form.is_valid():
        if run_service(form, services.item_edit, actor=request.user, item_id=item.pk, meta=form.meta(),
                       content=form.content(), note=form.cleaned_data["note"]):
            messages.success(request, _("已保存为新版本。"))
            return redirect("console:item_detail", pk=item.pk)
    return render(request, "console/itembank/item_form.html", {
        "bank": item.bank, "form": form, "item": item, "attach": attach,
        "attachments": item.attachments.order_by("pk")})


@staff_required(uses_banks)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for_user(request.user, pk)
    may_read = rules.may_read_content(request.user, item)
    content = services.item_content(actor=request.user, item=item) if may_read else None
    user = request.user
    actions = []
    targets = ITEM_TRANSITIONS.get(item.status, frozenset())
    if ItemStatus.SUBMITTED in targets and (item.author_id == user.pk or rules.manages(user, item.bank)):
        actions.append((ItemStatus.SUBMITTED, _("提交审核")))
    if item.status == ItemStatus.SUBMITTED and item.author_id == user.pk:
        actions.append((ItemStatus.DRAFT, _("撤回")))
    if item.status == ItemStatus.SUBMITTED and rules.reviews(user, item.bank) and item.author_id != user.pk:
        actions.append((ItemStatus.IN_REVIEW, _("领取审核")))
    if item.status == ItemStatus.ACTIVE and rules.manages(user, item.bank):
        actions += [(ItemStatus.DRAFT, _("收回修订")), (ItemStatus.RETIRED, _("停用"))]
    if item.status == ItemStatus.RETIRED and rules.manages(user, item.bank):
        actions.append((ItemStatus.DRAFT, _("重新修订")))
    reviewing = item.status == ItemStatus.IN_REVIEW and item.reviewer_id == user.pk
    return render(request, "console/itembank/item_detail.html", {
        "item": item, "content": content, "lines": content_mod.readable_lines(item.type, content) if content else [],
        "versions": item.versions.select_related("created_by").order_by("-number"),
        "reviews": item.reviews.select_related("reviewer", "version"),
        "usages": item.versions.filter(usages__isnull=False).values("number", "usages__paper_ref",
                                                                    "usages__used_at")[:50],
        "problems": item.problems.select_related("reported_by"), "actions": actions,
        "review_form": forms.ReviewForm() if reviewing else None, "problem_form": forms.ProblemForm(),
        "resolve_form": forms.ResolveForm() if rules.manages(user, item.bank) else None,
        "editable": item.status in (ItemStatus.DRAFT, ItemStatus.RETURNED) and may_read
        and (item.author_id == user.pk or rules.manages(user, item.bank)),
        "may_read": may_read, "attachments": item.attachments.order_by("pk") if may_read else []})


@staff_required(uses_banks)
@require_POST
def item_transition(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for_user(request.user, pk)
    form = TargetForm(request.POST, choices=ItemStatus.choices)
    if form.is_valid():
        perform(request, services.item_transition, _("试题 %(c)s 的状态已更新。") % {"c": item.code},
                actor=request.user, item_id=item.pk, target=form.cleaned_data["target"])
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:item_detail", pk=item.pk)


@staff_required(uses_banks)
@require_POST
def item_review(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for_user(request.user, pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        perform(request, services.item_review, _("审核结论已记录。"), actor=request.user, item_id=item.pk,
                **form.service_kwargs())
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:item_detail", pk=item.pk)


@staff_required(uses_banks)
@require_POST
def item_restore(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for_user(request.user, pk)
    form = forms.RestoreForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["number"]
        perform(request, services.item_restore, _("已将第%(n)d版恢复为新版本。") % {"n": number},
                actor=request.user, item_id=item.pk, number=number)
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:item_detail", pk=item.pk)


def _diff_cells(old: str, new: str) -> tuple[str, str]:
    """Both texts as HTML with the removed (left) and added (right) characters marked."""
    left, right = [], []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        a, b = escape(old[a1:a2]), escape(new[b1:b2])
        if op == "equal":
            left.append(a)
            right.append(b)
        else:
            if a:
                left.append(f"<del>{a}</del>")
            if b:
                right.append(f"<ins>{b}</ins>")
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 — every piece escaped above


@staff_required(uses_banks)
def item_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions side by side with the changes highlighted (§7.2.3 c 新旧试题主要内容对比)."""
    item = selectors.item_get_for_user(request.user, pk)
    numbers = sorted(item.versions.values_list("number", flat=True))
    form = forms.CompareForm(request.GET)
    if not form.is_valid():
        raise Http404
    a = form.cleaned_data["a"] or (numbers[-2] if len(numbers) > 1 else numbers[-1])
    b = form.cleaned_data["b"] or numbers[-1]
    if a not in numbers or b not in numbers:
        raise Http404
    if not rules.may_read_content(request.user, item):
        raise PermissionDenied
    versions = {v.number: v for v in item.versions.filter(number__in=[a, b])}
    for v in versions.values():
        v.item = item
    opened = services.contents_for(actor=request.user, versions=list(versions.values()), purpose=f"compare:{a}:{b}")
    old, new = opened[versions[a].pk], opened[versions[b].pk]
    old_meta, new_meta = versions[a].meta, versions[b].meta
    labels = dict.fromkeys([lbl for lbl, _t in content_mod.readable_lines(item.type, old)]
                           + [lbl for lbl, _t in content_mod.readable_lines(item.type, new)])
    old_lines = dict(content_mod.readable_lines(old_meta.get("type", item.type), old))
    new_lines = dict(content_mod.readable_lines(new_meta.get("type", item.type), new))
    rows = []
    for label in labels:
        left, right = _diff_cells(old_lines.get(label, ""), new_lines.get(label, ""))
        rows.append({"label": label, "left": left, "right": right,
                     "changed": old_lines.get(label, "") != new_lines.get(label, "")})
    for key in ("element_code", "difficulty", "expected_seconds", "enemy_group", "source"):
        left, right = str(old_meta.get(key, "")), str(new_meta.get(key, ""))
        if left != right:
            rows.append({"label": key, "left": left, "right": right, "changed": True})
    return render(request, "console/itembank/item_compare.html", {
        "item": item, "a": versions[a], "b": versions[b], "rows": rows, "numbers": numbers})


@staff_required(uses_banks)
def item_print(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable page watermarked with the reader and time (§10.5 打印登记: the print is audited)."""
    item = selectors.item_get_for_user(request.user, pk)
    if not rules.may_read_content(request.user, item):
        raise PermissionDenied
    content = services.item_content(actor=request.user, item=item, purpose="print")
    return render(request, "console/itembank/item_print.html", {
        "item": item, "lines": content_mod.readable_lines(item.type, content)})


@staff_required(uses_banks)
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    att = ItemAttachment.objects.select_related("item__bank").filter(pk=pk).first()
    if att is None or not selectors.item_list_for_user(request.user).filter(pk=att.item_id).exists():
        raise Http404
    data = services.attachment_bytes(actor=request.user, attachment=att)
    response = HttpResponse(data, content_type=att.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required(uses_banks)
@require_POST
def problem_report(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for_user(request.user, pk)
    form = forms.ProblemForm(request.POST)
    if form.is_valid():
        perform(request, services.problem_report, _("问题已登记，题库管理员将跟踪处理。"), actor=request.user,
                item_id=item.pk, description=form.cleaned_data["description"])
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:item_detail", pk=item.pk)


@staff_required(uses_banks)
@require_POST
def problem_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get_for_user(request.user, pk)
    form = forms.ResolveForm(request.POST)
    if form.is_valid():
        perform(request, services.problem_resolve, _("处理结果已记录。"), actor=request.user, problem_id=problem.pk,
                **form.cleaned_data)
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:item_detail", pk=problem.item_id)


# --- Import ---------------------------------------------------------------------------------------------

@staff_required(uses_banks)
def item_import(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_get_for_user(request.user, pk)
    if not rules.writes(request.user, bank):
        raise PermissionDenied
    form = forms.ItemImportForm(request.POST or None, request.FILES or None)
    result, report = None, None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if form.cleaned_data["kind"] == "xlsx":
            result = run_service(form, exchange.import_xlsx, actor=request.user, bank_id=bank.pk, data=upload.read(),
                                 file_name=upload.name)
        else:
            result = run_service(form, exchange.import_qti, actor=request.user, bank_id=bank.pk, data=upload.read(),
                                 file_name=upload.name,
                                 default_element=form.cleaned_data["default_element"].strip().upper())
        if result is not None and result.ok:
            messages.success(request, _("已导入 %(n)d 道试题（%(a)s–%(b)s），均为草稿，须经审核和验收。") % {
                "n": result.created, "a": result.codes[0], "b": result.codes[1]})
            return redirect("console:item_list", pk=bank.pk)
        if result is not None:
            report = store_import_report(request.user, result.errors)
    return render(request, "console/itembank/import.html", {
        "bank": bank, "form": form, "result": result, "report": report,
        "shown": result.errors[:500] if result else []})


@staff_required(uses_banks)
def item_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.bank_get_for_user(request.user, pk)
    return download(exchange.template_bytes(), "item-template.xlsx", XLSX_MIME)


# --- Acceptance meetings (§7.2.6) and releases (§7.2.3, §7.2.5) ---------------------------------------------

@staff_required(uses_banks)
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_get_for_user(request.user, pk)
    if not rules.manages(request.user, bank):
        raise PermissionDenied
    form = forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = run_service(form, services.meeting_create, actor=request.user, bank_id=bank.pk, **form.cleaned_data)
        if meeting:
            messages.success(request, _("验收会议已建立，共%(n)d道待验收试题；请添加验收小组成员。") % {
                "n": meeting.items.count()})
            return redirect("console:meeting_detail", pk=meeting.pk)
    waiting = bank.items.filter(status=ItemStatus.APPROVED).count()
    return render(request, "console/itembank/meeting_form.html", {"bank": bank, "form": form, "waiting": waiting})


@staff_required(uses_banks)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(request.user, pk)
    action = WhichForm(request.POST, name="action", choices=("member", "conclude", "sign", "close")).value
    member_form = forms.MemberForm(request.POST if action == "member" else None)
    conclude_form = forms.ConcludeForm(request.POST if action == "conclude" else None)
    if request.method == "POST":
        if action == "member" and member_form.is_valid():
            user = User.objects.filter(username=member_form.cleaned_data["username"].strip()).first()
            if user is None:
                member_form.add_error("username", _("没有该用户。"))
            elif run_service(member_form, services.meeting_add_member, actor=request.user, meeting_id=meeting.pk,
                             user=user, background=member_form.cleaned_data["background"]):
                messages.success(request, _("已添加成员 %(u)s。") % {"u": user.full_name or user.username})
                return redirect("console:meeting_detail", pk=meeting.pk)
        elif action == "conclude" and conclude_form.is_valid():
            if run_service(conclude_form, services.meeting_conclude, actor=request.user, meeting_id=meeting.pk,
                           **conclude_form.cleaned_data):
                messages.success(request, _("验收结论已记录，请全体成员签字。"))
                return redirect("console:meeting_detail", pk=meeting.pk)
        elif action == "sign":
            perform(request, services.meeting_sign, _("您已在验收结果上签字。"), actor=request.user,
                    meeting_id=meeting.pk)
            return redirect("console:meeting_detail", pk=meeting.pk)
        elif action == "close":
            perform(request, services.meeting_close, _("验收结果已生效。"), actor=request.user, meeting_id=meeting.pk)
            return redirect("console:meeting_detail", pk=meeting.pk)
    members = list(meeting.members.select_related("user"))
    return render(request, "console/itembank/meeting_detail.html", {
        "meeting": meeting, "members": members, "manages": rules.manages(request.user, meeting.bank),
        "items": meeting.acceptanceitem_set.select_related("item", "version").order_by("item__code")[:200],
        "item_count": meeting.acceptanceitem_set.count(), "problems": services.quorum_problems(meeting),
        "member_form": member_form, "conclude_form": conclude_form, "statuses": MeetingStatus,
        "my_member": next((m for m in members if m.user_id == request.user.pk), None)})


@staff_required(uses_banks)
def release_create(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_get_for_user(request.user, pk)
    if not rules.manages(request.user, bank):
        raise PermissionDenied
    form = forms.ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        release = run_service(form, services.release_create, actor=request.user, bank_id=bank.pk,
                              **form.service_kwargs())
        if release:
            messages.success(request, _("题库第%(n)d版已发布。") % {"n": release.number})
            return redirect("console:release_detail", pk=release.pk)
    return render(request, "console/itembank/release_form.html", {
        "bank": bank, "form": form, "accepted": bank.items.filter(status=ItemStatus.ACCEPTED).count(),
        "previous": bank.releases.order_by("-number").first()})


@staff_required(uses_banks)
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    release = selectors.release_get_for_user(request.user, pk)
    return render(request, "console/itembank/release_detail.html", {
        "release": release, "notes": [(label, release.notes.get(k, "")) for k, label in forms.NOTE_LABELS.items()],
        "revision": [(label, release.revision.get(k, "")) for k, label in forms.REVISION_LABELS.items()]})


# --- Exports (§7.3.2, §10.5) ------------------------------------------------------------------------------

@staff_required(uses_banks)
def export_list(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_get_for_user(request.user, pk)
    form = forms.ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.export_request, actor=request.user, bank_id=bank.pk, **form.cleaned_data):
            messages.success(request, _("导出申请已提交，须由另一位题库管理员批准。"))
            return redirect("console:export_list", pk=bank.pk)
    exports = list(bank.exports.select_related("requested_by", "decided_by")[:50])
    for e in exports:
        e.usable = services.export_usable(e) and e.requested_by_id == request.user.pk
    return render(request, "console/itembank/export_list.html", {
        "bank": bank, "form": form, "exports": exports, "manages": rules.manages(request.user, bank),
        "pending": ExportStatus.PENDING})


@staff_required(uses_banks)
@require_POST
def export_decide(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.export_get_for_user(request.user, pk)
    form = forms.ExportDecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["approve"]
        perform(request, services.export_decide, _("已批准导出。") if approve else _("已拒绝导出。"),
                actor=request.user, export_id=req.pk, approve=approve)
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:export_list", pk=req.bank_id)


@staff_required(uses_banks)
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.export_get_for_user(request.user, pk)
    try:
        data, name, mime = services.export_build(actor=request.user, export_id=req.pk)
    except (ValidationError, DomainError) as exc:  # not PermissionDenied: only the requester downloads (403)
        flash_refusal(request, exc)
        return redirect("console:export_list", pk=req.bank_id)
    return download(data, name, mime)
