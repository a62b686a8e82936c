"""Permission predicates (§10.9 访问应当按照权限控制，不应进行越权操作). Default deny.

Role assignments are scoped: an assignment in organisation X covers X and every
organisation below it. The active assignments and the organisation tree are loaded once
per user object (one request) and reused by every predicate.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from .enums import CONTENT_ROLES, STAFF_ROLES, TOTP_REQUIRED_ROLES, Role
from .models import Organisation, RoleAssignment, TOTPDevice

ADMIN_ROLES = (Role.PLATFORM_ADMIN, Role.BODY_ADMIN)
# The audit log is read by the administrators and by both kinds of supervision: the authority's quality
# supervisors over the bodies below it (§11.2) and a body's internal supervisors over that body (§6.4.2.2).
AUDIT_VIEWER_ROLES = (Role.PLATFORM_ADMIN, Role.BODY_ADMIN, Role.QUALITY_SUPERVISOR, Role.INTERNAL_SUPERVISOR)
SUPERVISOR_ROLES = (Role.QUALITY_SUPERVISOR, Role.INTERNAL_SUPERVISOR)
# A certification body's office (考务): its admins and exam affairs staff. Every app that asks "does this user work in
# the office of body X" asks :func:`is_office` (issue #21 item 3: one is_office, not one per app).
OFFICE_ROLES = (Role.BODY_ADMIN, Role.EXAM_AFFAIRS)


def _memo(user, name, compute):
    if not hasattr(user, name):
        setattr(user, name, compute())
    return getattr(user, name)


def active_assignments(user) -> list[RoleAssignment]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return _memo(user, "_sc_assignments", lambda: list(
        RoleAssignment.objects.active(timezone.now()).filter(user=user).select_related("organisation")
    ))


def org_parents(user) -> dict[int, int | None]:
    """id → parent id for every organisation (hundreds at most: one cheap query)."""
    return _memo(user, "_sc_org_parents", lambda: dict(Organisation.objects.values_list("id", "parent_id")))


def ancestors_and_self(user, org_id: int) -> list[int]:
    parents, chain, seen = org_parents(user), [], set()
    current: int | None = org_id
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = parents.get(current)
    return chain


def subtree_ids(user, root_ids: Iterable[int]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for oid, parent in org_parents(user).items():
        children.setdefault(parent, []).append(oid)
    result, stack = set(), list(root_ids)
    while stack:
        oid = stack.pop()
        if oid not in result:
            result.add(oid)
            stack.extend(children.get(oid, ()))
    return result


def roles_of(user) -> set[str]:
    return {a.role for a in active_assignments(user)}


def has_role(user, *roles: str, org: Organisation | int | None = None) -> bool:
    """True if the user holds one of ``roles`` — and, when ``org`` is given, in a scope covering it."""
    org_id = org.pk if isinstance(org, Organisation) else org
    chain = ancestors_and_self(user, org_id) if org_id is not None else None
    for a in active_assignments(user):
        if a.role not in roles:
            continue
        if chain is None or a.role == Role.PLATFORM_ADMIN or a.organisation_id in chain:
            return True
    return False


def scope_org_ids(user, *roles: str) -> set[int]:
    """Every organisation the user reaches through ``roles`` (their scopes and below)."""
    roots = [a.organisation_id for a in active_assignments(user) if a.role in roles and a.organisation_id]
    return subtree_ids(user, roots)


def is_platform_admin(user) -> bool:
    return has_role(user, Role.PLATFORM_ADMIN)


def is_staff_member(user) -> bool:
    return bool(roles_of(user) & STAFF_ROLES)


def is_candidate(user) -> bool:
    return has_role(user, Role.CANDIDATE)


def is_office(user, body: Organisation | int | None = None) -> bool:
    """Works in the office (body admin or exam affairs) of ``body`` — of any body when ``body`` is None."""
    return has_role(user, *OFFICE_ROLES, org=body)


def is_body_admin(user, body: Organisation | int | None = None) -> bool:
    """Holds the body admin role over ``body`` (the steps a body signs for: publishing, issuing, reporting)."""
    return has_role(user, Role.BODY_ADMIN, org=body)


def office_scope_ids(user) -> set[int]:
    """The organisations whose office the user works in (for filtering a query, see :func:`is_office`)."""
    return scope_org_ids(user, *OFFICE_ROLES)


def can_administer(user) -> bool:
    """Sees the organisation and user management pages at all."""
    return has_role(user, *ADMIN_ROLES)


def can_manage_organisation(user, org: Organisation) -> bool:
    return has_role(user, Role.PLATFORM_ADMIN) or has_role(user, Role.BODY_ADMIN, org=org)


def can_place_organisation(user, kind: str, parent: Organisation | None) -> bool:
    """Creates or moves an organisation of ``kind`` under ``parent``: the platform admin anything, a body admin
    only venues under a body in his scope."""
    from .enums import OrgKind

    if is_platform_admin(user):
        return True
    return kind == OrgKind.VENUE and parent is not None and is_body_admin(user, parent)


def can_manage_user(user, target) -> bool:
    if is_platform_admin(user):
        return True
    if target.organisation_id is None:
        return False
    return has_role(user, Role.BODY_ADMIN, org=target.organisation_id)


def can_manage_account(user, target) -> bool:
    """May change ``target``'s credentials or account (password, reset link, authenticator, e-mail, active):
    :func:`can_manage_user`, and for a body admin only while every role ``target`` holds or will hold is within
    his own scope. Whoever holds a role elsewhere — the platform admin, the authority's quality supervisor, the
    admin of another body — is managed by whoever covers that role, so that a body admin never signs in as
    (or locks out) somebody who supervises or outranks him (§10.9 越权; §6.6.1, §11). The candidate role
    counts for nothing here: it gives no power over anyone. Nor does he manage the account of anyone holding a
    role declared incompatible with one of his own (accounts.duties.INCOMPATIBLE_ROLES: the body's internal
    quality supervisor, who supervises him, §6.4.2.2)."""
    from .duties import INCOMPATIBLE_ROLES

    if not can_manage_user(user, target):
        return False
    if is_platform_admin(user):
        return True
    live = list(RoleAssignment.objects.filter(user_id=target.pk, revoked_at__isnull=True)
                .exclude(valid_until__lte=timezone.now()).exclude(role=Role.CANDIDATE)
                .values_list("role", "organisation_id"))
    mine, theirs = roles_of(user), {role for role, _org in live}
    if any((p.first in mine and p.second in theirs) or (p.second in mine and p.first in theirs)
           for p in INCOMPATIBLE_ROLES):
        return False
    return all(org_id is not None and role != Role.PLATFORM_ADMIN and has_role(user, Role.BODY_ADMIN, org=org_id)
               for role, org_id in live)


def can_create_user_in(user, organisation: Organisation | None) -> bool:
    """Creates a user account placed in ``organisation`` (or, the platform admin only, in none)."""
    if is_platform_admin(user):
        return True
    return organisation is not None and is_body_admin(user, organisation)


def can_grant_role(user, role: str, org: Organisation | None) -> bool:
    if is_platform_admin(user):
        return True
    if role in (Role.PLATFORM_ADMIN, Role.CANDIDATE) or org is None:
        return False
    return has_role(user, Role.BODY_ADMIN, org=org)


def can_view_audit(user) -> bool:
    return has_role(user, *AUDIT_VIEWER_ROLES)


def can_view_duties(user) -> bool:
    """The 职责分离 declarations page: whoever reads the audit log."""
    return can_view_audit(user)


def can_view_catalog(user) -> bool:
    return is_staff_member(user)


def can_edit_catalog(user) -> bool:
    return is_platform_admin(user)


def totp_required(user) -> bool:
    """Privileged roles must use a second factor; anyone who enrolled uses it too."""
    if roles_of(user) & TOTP_REQUIRED_ROLES:
        return True
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def has_confirmed_device(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return _memo(user, "_sc_confirmed_device", lambda: TOTPDevice.objects.filter(
        user=user, confirmed_at__isnull=False).exists())


def content_cleared(user, role: str) -> bool:
    """A role that reads confidential content (CONTENT_ROLES) counts only once its holder has a confirmed second
    factor: a role granted during a session that began with the password alone opens nothing until the holder
    has enrolled (§7.3.2, §10.9). Other roles are unaffected."""
    return role not in CONTENT_ROLES or has_confirmed_device(user)
