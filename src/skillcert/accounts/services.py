"""Writes for organisations, users and role assignments.

Each service checks the actor's permission (PermissionDenied), validates (ValidationError
naming the field), locks what it changes, writes, and records an audit entry — in one
transaction, so a refusal leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.core import audit

from . import duties, rules
from .enums import ROLE_SCOPE_KINDS, UNSCOPED_ROLES, OrgKind, Role
from .models import FiledScope, Organisation, RoleAssignment, TOTPDevice, User

if TYPE_CHECKING:  # catalog sits above accounts (issue #21 item 4): its models arrive as arguments, never imported
    from skillcert.catalog.models import Level, Occupation, Trade

ORG_FIELDS = ("kind", "name", "short_name", "parent", "region_code", "address", "contact_phone",
              "cert_type_letter", "institution_code", "province_code", "institution_serial", "is_active")
USER_FIELDS = ("full_name", "email", "phone", "organisation", "is_active")
# What a body admin may change on their own body; name, codes, parent and kind are filed data.
BODY_ADMIN_BODY_FIELDS = ("short_name", "address", "contact_phone")


def _snapshot(obj, fields) -> dict[str, Any]:
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in model_to_dict(obj, fields=fields).items()}


def _validate_org_structure(org: Organisation) -> None:
    parent = org.parent
    if org.kind == OrgKind.VENUE and (parent is None or parent.kind != OrgKind.BODY):
        raise ValidationError({"parent": _("考点必须隶属于一个评价机构。")})
    if org.kind == OrgKind.BODY:
        if parent is not None and parent.kind != OrgKind.AUTHORITY:
            raise ValidationError({"parent": _("评价机构的上级只能是主管部门。")})
        missing = [f for f in ("cert_type_letter", "institution_code", "province_code", "institution_serial")
                   if not getattr(org, f)]
        if missing:
            raise ValidationError({f: _("评价机构必须填写证书编码所用的代码。") for f in missing})
    if org.kind == OrgKind.AUTHORITY and parent is not None and parent.kind != OrgKind.AUTHORITY:
        raise ValidationError({"parent": _("主管部门的上级只能是主管部门。")})
    ancestor = parent
    while ancestor is not None:
        if org.pk and ancestor.pk == org.pk:
            raise ValidationError({"parent": _("上级机构不能是本机构或其下级。")})
        ancestor = ancestor.parent


def _check_may_place(actor: User, kind: str, parent: Organisation | None) -> None:
    # A body admin may add and edit venues under a body in their scope, nothing else.
    if not rules.can_place_organisation(actor, kind, parent):
        raise PermissionDenied(_("您无权在此位置创建或修改该类机构。"))


@transaction.atomic
def organisation_create(*, actor: User, **fields) -> Organisation:
    fields = {k: v for k, v in fields.items() if k in ORG_FIELDS}
    org = Organisation(**fields)
    _check_may_place(actor, org.kind, org.parent)
    org.full_clean()
    _validate_org_structure(org)
    org.save()
    audit.record(actor, "accounts.organisation.created", target=org, data={"new": _snapshot(org, ORG_FIELDS)})
    return org


@transaction.atomic
def organisation_update(*, actor: User, organisation_id: int, **fields) -> Organisation:
    org = Organisation.objects.select_for_update().get(pk=organisation_id)
    if not rules.can_manage_organisation(actor, org):
        raise PermissionDenied(_("您无权修改该机构。"))
    before = _snapshot(org, ORG_FIELDS)
    for key, value in fields.items():
        if key in ORG_FIELDS:
            setattr(org, key, value)
    if before["kind"] != org.kind and org.children.exists():
        raise ValidationError({"kind": _("已有下级机构的机构不能更改类型。")})
    changed = set(audit.changes(before, _snapshot(org, ORG_FIELDS)))
    if before["kind"] == OrgKind.BODY and not rules.is_platform_admin(actor):
        filed = changed - set(BODY_ADMIN_BODY_FIELDS)
        if filed:
            raise ValidationError({f: _("评价机构的名称、代码和隶属关系由平台管理员维护。") for f in sorted(filed)})
    else:
        _check_may_place(actor, org.kind, org.parent)
    org.full_clean()
    _validate_org_structure(org)
    org.save()
    audit.record_changes(actor, "accounts.organisation.updated", target=org, before=before,
                         after=_snapshot(org, ORG_FIELDS))
    return org


@transaction.atomic
def filed_scope_set(*, actor: User, organisation_id: int,
                    rows: list[tuple[Occupation, Trade | None, Level]]) -> list[FiledScope]:
    """Replace a body's filed scope (备案范围, §6.8.1 b). Only the platform admin files scope."""
    org = Organisation.objects.select_for_update().get(pk=organisation_id)
    if not rules.is_platform_admin(actor):
        raise PermissionDenied(_("只有平台管理员可以修改备案范围。"))
    if org.kind != OrgKind.BODY:
        raise ValidationError({"organisation": _("只有评价机构有备案范围。")})
    for i, (occupation, trade, level) in enumerate(rows, start=1):
        if trade is not None and trade.occupation_id != occupation.pk:
            raise ValidationError(_("第%(row)d行：工种“%(trade)s”不属于职业“%(occ)s”。")
                                  % {"row": i, "trade": trade.name, "occ": occupation.name})
        if not occupation.levels.filter(pk=level.pk).exists():
            raise ValidationError(_("第%(row)d行：职业“%(occ)s”不设“%(level)s”等级。")
                                  % {"row": i, "occ": occupation.name, "level": level})
    before = sorted(str(s) for s in org.filed_scope.select_related("occupation", "trade", "level"))
    org.filed_scope.all().delete()
    unique = {(o.pk, t.pk if t else None, lv.pk): (o, t, lv) for o, t, lv in rows}
    created = FiledScope.objects.bulk_create(
        [FiledScope(organisation=org, occupation=o, trade=t, level=lv) for o, t, lv in unique.values()]
    )
    after = sorted(str(s) for s in created)
    audit.record(actor, "accounts.organisation.scope_filed", target=org, data={"old": before, "new": after})
    return created


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def user_create(*, actor: User, username: str, full_name: str, password: str,
                organisation: Organisation | None = None, email: str = "", phone: str = "") -> User:
    if not rules.is_platform_admin(actor) and organisation is None:
        raise ValidationError({"organisation": _("请选择用户所属的机构。")})
    if not rules.can_create_user_in(actor, organisation):
        raise PermissionDenied(_("您无权在该机构下创建用户。"))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名“%(u)s”已被使用。") % {"u": username}})
    _check_not_a_login_number(username)
    user = User(username=username, full_name=full_name, organisation=organisation, email=email, phone=phone)
    _check_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(actor, "accounts.user.created", target=user, data={"new": _snapshot(user, USER_FIELDS)})
    return user


def _check_not_a_login_number(username: str) -> None:
    """Candidates sign in with their ID number or phone, and the log-in tries the user name first
    (selectors.user_find_for_login): a staff name that is such a number would capture a candidate's log-in and
    password reset requests (§10.9)."""
    import re

    from django.db.models import Q

    number = "".join(username.split()).upper()
    if re.fullmatch(r"[0-9]{11,}X?", number) or User.objects.filter(Q(id_number=number) | Q(phone=username.strip())
                                                                    ).exists():
        raise ValidationError({"username": _("用户名不能是证件号码或手机号（考生用它们登录），请换一个。")})


def _lock_managed_user(actor: User, user_id: int) -> User:
    user = User.objects.select_for_update().get(pk=user_id)
    if not rules.can_manage_account(actor, user):
        raise PermissionDenied(_("您无权管理该用户。"))
    return user


@transaction.atomic
def user_update(*, actor: User, user_id: int, **fields) -> User:
    user = _lock_managed_user(actor, user_id)
    before = _snapshot(user, USER_FIELDS)
    for key, value in fields.items():
        if key in USER_FIELDS:
            setattr(user, key, value)
    if user.pk == actor.pk and not user.is_active:
        raise ValidationError({"is_active": _("不能停用自己的账户。")})
    if not rules.can_manage_user(actor, user):  # where the user is being placed
        raise ValidationError({"organisation": _("只能把用户放在您管理的机构下。")})
    user.full_clean()
    user.save()
    audit.record_changes(actor, "accounts.user.updated", target=user, before=before, after=_snapshot(user, USER_FIELDS))
    return user


@transaction.atomic
def user_set_password(*, actor: User, user_id: int, password: str) -> User:
    user = _lock_managed_user(actor, user_id) if actor.pk != user_id else User.objects.select_for_update().get(
        pk=user_id)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor, "accounts.user.password_changed", target=user)
    return user


@transaction.atomic
def user_unlock(*, actor: User, user_id: int) -> User:
    user = _lock_managed_user(actor, user_id)
    previous = user.locked_until
    user.locked_until, user.failures_reset_at = None, timezone.now()
    user.save(update_fields=["locked_until", "failures_reset_at"])
    audit.record(actor, "accounts.user.unlocked", target=user, data={"by": "admin", "locked_until": previous})
    return user


@transaction.atomic
def user_reset_totp(*, actor: User, user_id: int) -> User:
    """For a lost authenticator: the user enrols again at the next login."""
    user = _lock_managed_user(actor, user_id)
    deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
    user.recovery_codes.all().delete()
    audit.record(actor, "accounts.totp.reset", target=user, data={"had_device": bool(deleted)})
    return user


@transaction.atomic
def role_assign(*, actor: User, user_id: int, role: str, organisation: Organisation | None = None,
                occupation: Occupation | None = None, valid_from: dt.datetime | None = None,
                valid_until: dt.datetime | None = None) -> RoleAssignment:
    user = User.objects.select_for_update().get(pk=user_id)
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色。")})
    if not rules.can_grant_role(actor, role, organisation) or not rules.can_manage_user(actor, user):
        raise PermissionDenied(_("您无权授予该角色。"))
    duties.require_different(duties.ROLE_GRANT, actor, user)
    if role in UNSCOPED_ROLES:
        if organisation is not None:
            raise ValidationError({"organisation": _("该角色不限机构，请勿选择机构。")})
    else:
        if organisation is None:
            raise ValidationError({"organisation": _("请选择该角色的适用机构。")})
        if organisation.kind not in ROLE_SCOPE_KINDS[role]:
            allowed = "、".join(str(OrgKind(k).label) for k in sorted(ROLE_SCOPE_KINDS[role]))
            raise ValidationError({"organisation": _("“%(role)s”只能授予在：%(kinds)s。")
                                   % {"role": Role(role).label, "kinds": allowed}})
    valid_from = valid_from or timezone.now()
    if valid_until is not None and valid_until <= valid_from:
        raise ValidationError({"valid_until": _("失效时间必须晚于生效时间。")})
    held = RoleAssignment.objects.filter(user=user, revoked_at__isnull=True).exclude(valid_until__lte=timezone.now())
    duties.require_compatible(role, held.values_list("role", flat=True))
    duplicate = RoleAssignment.objects.active().filter(user=user, role=role, organisation=organisation,
                                                       occupation=occupation)
    if duplicate.exists():
        raise ValidationError({"role": _("该用户已在此范围内拥有此角色。")})
    assignment = RoleAssignment.objects.create(
        user=user, role=role, organisation=organisation, occupation=occupation,
        valid_from=valid_from, valid_until=valid_until, granted_by=actor,
    )
    audit.record(actor, "accounts.role.granted", target=assignment, data={
        "user": user.username, "role": role, "organisation_id": organisation.pk if organisation else None,
        "occupation_id": occupation.pk if occupation else None,
        "valid_from": valid_from, "valid_until": valid_until,
    })
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment_id: int, reason: str) -> RoleAssignment:
    assignment = RoleAssignment.objects.select_for_update(of=("self",)).select_related("user").get(pk=assignment_id)
    if not rules.can_grant_role(actor, assignment.role, assignment.organisation) or not rules.can_manage_user(
            actor, assignment.user):
        raise PermissionDenied(_("您无权撤销该角色。"))
    if assignment.revoked_at is not None:
        raise ValidationError(_("该授权已被撤销。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤销原因。")})
    if assignment.role == Role.PLATFORM_ADMIN and assignment.user_id == actor.pk:
        raise ValidationError(_("不能撤销自己的平台管理员角色。"))
    assignment.revoked_at, assignment.revoked_by, assignment.revoke_reason = timezone.now(), actor, reason.strip()
    assignment.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit.record(actor, "accounts.role.revoked", target=assignment, data={
        "user": assignment.user.username, "role": assignment.role, "reason": assignment.revoke_reason})
    return assignment


# --- Password reset by an administrator (issue #20 item 6b; §10.9) ----------------------------------

@dataclass(frozen=True)
class PasswordResetIssued:
    user: User
    emailed: bool
    link: str = ""  # only when the user has no e-mail: shown once to the administrator, to hand over in person


@transaction.atomic
def user_password_reset(*, actor: User, user_id: int, reason: str) -> PasswordResetIssued:
    """A body admin (users in his scope) or the platform admin resets someone's password: it becomes unusable at
    once (the user's sessions end with it) and a single-use link valid for PASSWORD_RESET_TIMEOUT goes to the
    user's e-mail — or, with no e-mail on file, is shown once to the administrator to hand over in person.
    The authenticator and recovery codes stay: a password reset never removes the second factor
    (``user_reset_totp`` is a separate, separately audited act). Nobody resets himself this way."""
    from . import authentication

    user = _lock_managed_user(actor, user_id)
    if user.pk == actor.pk:
        raise ValidationError(_("不能用此方式重置自己的密码，请在“账户安全”中修改密码。"))
    if not user.is_active:
        raise ValidationError(_("该账户已停用，不能重置密码。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写重置原因（例如：本人来电，已核实身份）。")})
    user.set_unusable_password()
    user.save(update_fields=["password"])
    emailed = bool(user.email)
    link = ""
    if emailed:
        transaction.on_commit(lambda: authentication.queue_reset_mail(user.pk, authentication.RESET_ADMIN), robust=True)
    else:
        link = authentication.password_reset_link(user)  # after the new (unusable) hash: valid once committed
    audit.record(actor, "accounts.user.password_reset", target=user, data={
        "reason": reason[:200], "delivery": "email" if emailed else "in_person",
        "has_second_factor": TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()})
    return PasswordResetIssued(user=user, emailed=emailed, link=link)
