"""Reads with rules. Every guarded object is fetched here and answers 404 — whether it is
absent or merely outside the user's scope — so a page never reveals what exists elsewhere."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from skillcert.core.models import AuditEntry

from . import rules
from .enums import OrgKind, Role
from .models import Organisation, RoleAssignment, User


def one_or_404(qs: QuerySet, pk: int):
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def organisation_list_for_user(user) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("parent")
    if rules.is_platform_admin(user):
        return qs
    return qs.filter(pk__in=rules.scope_org_ids(user, Role.BODY_ADMIN))


def organisation_get_for_user(user, pk: int) -> Organisation:
    return one_or_404(organisation_list_for_user(user), pk)


def user_list_for_user(user) -> QuerySet[User]:
    qs = User.objects.select_related("organisation").prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.active().select_related("organisation"),
                 to_attr="active_roles")
    )
    if rules.is_platform_admin(user):
        return qs
    return qs.filter(organisation_id__in=rules.scope_org_ids(user, Role.BODY_ADMIN))


def user_get_for_user(user, pk: int) -> User:
    return one_or_404(user_list_for_user(user), pk)


def assignment_get_for_user(user, pk: int) -> RoleAssignment:
    qs = RoleAssignment.objects.select_related("user", "organisation")
    if not rules.is_platform_admin(user):
        visible = rules.scope_org_ids(user, Role.BODY_ADMIN)
        qs = qs.filter(user__organisation_id__in=visible)
    return one_or_404(qs, pk)


def audit_entries_for_user(user, *, action: str = "", actor: str = "", target_type: str = "",
                           target_id: str = "", outcome: str = "", date_from=None, date_to=None
                           ) -> QuerySet[AuditEntry]:
    """Platform admins see the whole log; body admins and supervisors (the authority's over the bodies below it,
    a body's internal ones over that body) see the entries recorded against organisations in their scope
    (§6.7.1, §6.4.2.2, §11.2 c)."""
    qs = AuditEntry.objects.all()
    if not rules.is_platform_admin(user):
        qs = qs.filter(org_id__in=rules.scope_org_ids(user, Role.BODY_ADMIN, *rules.SUPERVISOR_ROLES))
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs


def body_list() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrgKind.BODY, is_active=True)


def site_body() -> Organisation | None:
    """The certification body this installation presents on its public pages (the first one)."""
    return body_list().order_by("pk").first()


def user_find_for_login(login: str) -> User | None:
    """Staff log in by user name; candidates also by ID number or phone (only when it names one account).

    One query whatever the answer, so the login and the password reset request take the same time for a name
    that exists and one that does not (issue #20 item 6)."""
    login = (login or "").strip()
    if not login:
        return None
    normalised = "".join(login.split()).upper()
    rows = list(User.objects.filter(Q(username__iexact=login) | Q(id_number=normalised) | Q(phone=login))[:50])
    for user in rows:
        if user.username.lower() == login.lower():
            return user
    for matches in ([u for u in rows if u.id_number == normalised], [u for u in rows if u.phone == login]):
        if len(matches) == 1:
            return matches[0]
    return None


def duty_findings_for_user(user) -> dict[str, list]:
    """What the 职责分离 page shows an auditor beyond the declarations: people in the viewer's scope who hold a
    declared incompatible pair today (granted before the declaration, or through a path that skipped the
    service), and active roles whose holder granted them to himself."""
    from .duties import INCOMPATIBLE_ROLES

    qs = RoleAssignment.objects.active().select_related("user", "organisation", "granted_by")
    if not rules.is_platform_admin(user):
        users = RoleAssignment.objects.active().filter(
            organisation_id__in=rules.scope_org_ids(user, *rules.AUDIT_VIEWER_ROLES)).values("user_id")
        qs = qs.filter(user_id__in=users)
    by_user: dict[int, list[RoleAssignment]] = {}
    for a in qs.order_by("user__username", "role"):
        by_user.setdefault(a.user_id, []).append(a)
    pairs = []
    for held in by_user.values():
        roles = {a.role for a in held}
        for pair in INCOMPATIBLE_ROLES:
            if pair.first in roles and pair.second in roles:
                pairs.append({"user": held[0].user, "pair": pair,
                              "assignments": [a for a in held if a.role in (pair.first, pair.second)]})
    self_granted = [a for held in by_user.values() for a in held if a.granted_by_id == a.user_id]
    return {"pairs": pairs, "self_granted": self_granted}
