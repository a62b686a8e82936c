"""Staff console (thin): each view checks a rule, fetches through a selector, writes through a service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from skillcert.accounts import rules, selectors, services
from skillcert.accounts.enums import OrgKind, Role
from skillcert.accounts.models import Organisation
from skillcert.core.forms import ListQueryForm, form_refusal, run_service

from ..common import flash_refusal, perform, staff_required
from ..forms import accounts as forms


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


# --- Catalogue ------------------------------------------------------------------------------


