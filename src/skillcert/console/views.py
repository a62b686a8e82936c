"""Staff console (thin): each view checks a rule, fetches through a selector, writes through a service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from skillcert.accounts import rules, selectors, services
from skillcert.accounts.enums import OrgKind, Role
from skillcert.accounts.models import Organisation
from skillcert.catalog import services as catalog_services
from skillcert.catalog.models import Level, Occupation, Trade
from skillcert.catalog.selectors import occupation_list
from skillcert.core.excel import XLSX_MIME, workbook_bytes
from skillcert.core.forms import ListQueryForm, form_refusal, run_service
from skillcert.grading import results as grading_results

from . import forms
from .common import flash_refusal, perform, staff_required


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    assignments = rules.active_assignments(request.user)
    return render(request, "console/home.html", {
        "assignments": assignments,
        "totp_required": rules.totp_required(request.user),
    })


# --- Organisations ----------------------------------------------------------------------

def _org_parents_for(user):
    return selectors.organisation_list_for_user(user).exclude(kind=OrgKind.VENUE)


def _org_kinds_for(user):
    return list(OrgKind.values) if rules.is_platform_admin(user) else [OrgKind.VENUE]


@staff_required(rules.can_administer)
def organisation_list(request: HttpRequest) -> HttpResponse:
    orgs = selectors.organisation_list_for_user(request.user).order_by("kind", "parent_id", "name")
    return render(request, "console/organisation_list.html", {"organisations": orgs})


@staff_required(rules.can_administer)
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = forms.OrganisationForm(request.POST or None, parents=_org_parents_for(request.user),
                                  kinds=_org_kinds_for(request.user))
    if request.method == "POST" and form.is_valid():
        org = run_service(form, services.organisation_create, actor=request.user, **form.cleaned_data)
        if org:
            messages.success(request, _("已创建机构“%(name)s”。") % {"name": org.name})
            return redirect("console:organisation_detail", pk=org.pk)
    return render(request, "console/organisation_form.html", {"form": form})


@staff_required(rules.can_administer)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.organisation_get_for_user(request.user, pk)
    instance = Organisation.objects.get(pk=org.pk)
    if org.kind == OrgKind.BODY and not rules.is_platform_admin(request.user):
        form = forms.BodyContactForm(request.POST or None, instance=instance)
    else:
        form = forms.OrganisationForm(request.POST or None, instance=instance,
                                      parents=_org_parents_for(request.user).exclude(pk=org.pk),
                                      kinds=_org_kinds_for(request.user))
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.organisation_update, actor=request.user, organisation_id=org.pk,
                       **form.cleaned_data):
            messages.success(request, _("已保存。"))
            return redirect("console:organisation_detail", pk=org.pk)
    return render(request, "console/organisation_detail.html", {
        "org": org, "form": form,
        "scope": org.filed_scope.select_related("occupation", "trade", "level"),
        "children": org.children.all(),
        "members": org.members.all()[:50],
        "can_file_scope": rules.is_platform_admin(request.user) and org.kind == OrgKind.BODY,
    })


@staff_required(rules.is_platform_admin)
def organisation_scope(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.organisation_get_for_user(request.user, pk)
    current = [f"{s.occupation_id}:{s.trade_id or 0}:{s.level_id}" for s in org.filed_scope.all()]
    form = forms.FiledScopeForm(request.POST or None, initial={"scope": current})
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.filed_scope_set, actor=request.user, organisation_id=org.pk,
                       rows=form.rows()) is not None:
            messages.success(request, _("备案范围已更新。"))
            return redirect("console:organisation_detail", pk=org.pk)
    return render(request, "console/organisation_scope.html", {"org": org, "form": form})


# --- Users and roles --------------------------------------------------------------------

@staff_required(rules.can_administer)
def user_list(request: HttpRequest) -> HttpResponse:
    users = selectors.user_list_for_user(request.user)
    nav = ListQueryForm(request.GET)
    q = nav.value("q").strip()
    if q:
        users = users.filter(username__icontains=q) | users.filter(full_name__icontains=q)
    page = Paginator(users.order_by("username"), 50).get_page(nav.value("page"))
    return render(request, "console/user_list.html", {"page": page, "q": q, "now": timezone.now()})


@staff_required(rules.can_administer)
def user_create(request: HttpRequest) -> HttpResponse:
    form = forms.UserCreateForm(request.POST or None,
                                organisations=selectors.organisation_list_for_user(request.user))
    if request.method == "POST" and form.is_valid():
        user = run_service(form, services.user_create, actor=request.user, **form.cleaned_data)
        if user:
            messages.success(request, _("已创建用户“%(name)s”，请为其授予角色。") % {"name": user.username})
            return redirect("console:user_detail", pk=user.pk)
    return render(request, "console/user_form.html", {"form": form})


@staff_required(rules.can_administer)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get_for_user(request.user, pk)
    form = forms.UserEditForm(request.POST or None, instance=target,
                              organisations=selectors.organisation_list_for_user(request.user))
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.user_update, actor=request.user, user_id=target.pk, **form.cleaned_data):
            messages.success(request, _("已保存。"))
            return redirect("console:user_detail", pk=target.pk)
    return render(request, "console/user_detail.html", {
        "target": target, "form": form, "now": timezone.now(),
        "assignments": target.role_assignments.select_related("organisation", "occupation", "granted_by",
                                                              "revoked_by").order_by("-created_at"),
        "has_totp": hasattr(target, "totp_device") and target.totp_device.confirmed_at is not None,
        "revoke_form": forms.RevokeForm(),
    })


@staff_required(rules.can_administer)
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get_for_user(request.user, pk)
    perform(request, services.user_unlock, _("已解锁用户“%(name)s”。") % {"name": target.username},
            actor=request.user, user_id=target.pk)
    return redirect("console:user_detail", pk=target.pk)


@staff_required(rules.can_administer)
@require_POST
def user_reset_totp(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get_for_user(request.user, pk)
    perform(request, services.user_reset_totp,
            _("已重置“%(name)s”的动态口令，其下次登录时需重新绑定。") % {"name": target.username},
            actor=request.user, user_id=target.pk)
    return redirect("console:user_detail", pk=target.pk)


@staff_required(rules.can_administer)
@never_cache
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator resets a user's password (issue #20 item 6b): the link goes to the user's e-mail, or,
    when he has none, is shown here once to hand over in person. Never for oneself; the second factor stays."""
    target = selectors.user_get_for_user(request.user, pk)
    form = forms.UserPasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = run_service(form, services.user_password_reset, actor=request.user, user_id=target.pk,
                             reason=form.cleaned_data["reason"])
        if issued is not None and issued.emailed:
            messages.success(request, _("已重置“%(name)s”的密码，重置链接已发送到其电子邮箱，%(m)d 分钟内有效。")
                             % {"name": target.username, "m": settings.PASSWORD_RESET_TIMEOUT // 60})
            return redirect("console:user_detail", pk=target.pk)
        if issued is not None:
            return render(request, "console/user_password_reset.html", {
                "target": target, "link": issued.link, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60})
    return render(request, "console/user_password_reset.html", {
        "target": target, "form": form, "is_self": target.pk == request.user.pk,
        "minutes": settings.PASSWORD_RESET_TIMEOUT // 60})


def _grantable_roles(user) -> list[str]:
    if rules.is_platform_admin(user):
        return list(Role.values)
    return [r for r in Role.values if r not in (Role.PLATFORM_ADMIN, Role.CANDIDATE)]


@staff_required(rules.can_administer)
def role_assign(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get_for_user(request.user, pk)
    form = forms.RoleAssignForm(request.POST or None, roles=_grantable_roles(request.user),
                                organisations=selectors.organisation_list_for_user(request.user))
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.role_assign, actor=request.user, user_id=target.pk, **form.cleaned_data):
            messages.success(request, _("已授予角色。"))
            return redirect("console:user_detail", pk=target.pk)
    return render(request, "console/role_form.html", {"target": target, "form": form})


@staff_required(rules.can_administer)
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get_for_user(request.user, pk)
    form = forms.RevokeForm(request.POST)
    if form.is_valid():
        perform(request, services.role_revoke, _("已撤销角色。"), actor=request.user, assignment_id=assignment.pk,
                reason=form.cleaned_data["reason"])
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:user_detail", pk=assignment.user_id)


# --- Audit log ----------------------------------------------------------------------------

def _audit_queryset(request: HttpRequest):
    form = forms.AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, selectors.audit_entries_for_user(request.user, **{k: v for k, v in filters.items() if v})


@staff_required(rules.can_view_audit)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, entries = _audit_queryset(request)
    nav = ListQueryForm(request.GET)
    page = Paginator(entries, 50).get_page(nav.value("page"))
    query = nav.query_without("page")
    return render(request, "console/audit_list.html", {"form": form, "page": page, "query": query.urlencode()})


@staff_required(rules.can_view_audit)
def audit_export(request: HttpRequest) -> HttpResponse:
    _form, entries = _audit_queryset(request)
    header = [_("序号"), _("时间"), _("操作人"), _("动作"), _("对象类型"), _("对象ID"), _("对象"), _("结果"),
              _("IP地址"), _("数据"), _("哈希")]
    rows = (
        [e.seq, timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_label, e.action, e.target_type,
         e.target_id, e.target_label, e.get_outcome_display(), e.ip or "", e.data_text, e.hash]
        for e in entries.iterator(chunk_size=2000)
    )
    content = workbook_bytes(_("审计日志"), header, rows)
    response = HttpResponse(content, content_type=XLSX_MIME)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response


# --- Catalogue ------------------------------------------------------------------------------

@staff_required(rules.can_view_catalog)
def catalog_list(request: HttpRequest) -> HttpResponse:
    from skillcert.catalog.models import Level
    from skillcert.grading.models import PassRule, ReviewMode

    return render(request, "console/catalog_list.html", {
        "occupations": occupation_list(), "can_edit": rules.can_edit_catalog(request.user),
        "pass_rules": [(lv, PassRule.for_level(lv)) for lv in Level.objects.order_by("-number")],
        "review_modes": ReviewMode.choices,
    })


@staff_required(rules.can_edit_catalog)
@require_POST
def pass_rule_edit(request: HttpRequest, level_pk: int) -> HttpResponse:
    """合格标准 of one level (§6.5.1)."""
    level_pk = get_object_or_404(Level, pk=level_pk).pk
    form = forms.PassRuleForm(request.POST)
    if form.is_valid():
        perform(request, grading_results.pass_rule_save, _("合格标准已保存。"), actor=request.user,
                level_id=level_pk, **form.cleaned_data)
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:catalog_list")


@staff_required(rules.can_edit_catalog)
def occupation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    occ = get_object_or_404(Occupation, pk=pk) if pk else None
    form = forms.OccupationForm(request.POST or None, instance=occ)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        levels = list(data.pop("levels"))
        saved = run_service(form, catalog_services.occupation_save, actor=request.user, occupation_id=pk,
                            levels=levels, **data)
        if saved:
            messages.success(request, _("已保存职业“%(name)s”。") % {"name": saved.name})
            return redirect("console:occupation_edit", pk=saved.pk)
    return render(request, "console/occupation_form.html", {"form": form, "occupation": occ})


@staff_required(rules.can_edit_catalog)
def trade_edit(request: HttpRequest, occupation_pk: int, pk: int | None = None) -> HttpResponse:
    occ = get_object_or_404(Occupation, pk=occupation_pk)
    trade = get_object_or_404(Trade, pk=pk, occupation=occ) if pk else None
    form = forms.TradeForm(request.POST or None, instance=trade)
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, catalog_services.trade_save, actor=request.user, occupation_id=occ.pk,
                            trade_id=pk, **form.cleaned_data)
        if saved:
            messages.success(request, _("已保存工种“%(name)s”。") % {"name": saved.name})
            return redirect("console:occupation_edit", pk=occ.pk)
    return render(request, "console/trade_form.html", {"form": form, "occupation": occ, "trade": trade})
