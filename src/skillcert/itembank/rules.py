"""Who may do what in a bank (§7.3.2 账号管理, §10.9 按照权限控制). Default deny.

Bank roles are held in a certification body (covering what is below it) and optionally for one
occupation. Only bank roles in scope touch a bank at all; content is read by the bank manager and
reviewers of that bank, and by a writer only for the items they wrote themselves. A bank role counts only once
its holder has a confirmed second factor (accounts.rules.content_cleared, §7.3.2).
"""

from __future__ import annotations

from django.db.models import Q

from skillcert.accounts import rules
from skillcert.accounts.enums import Role

BANK_ROLES = (Role.BANK_MANAGER, Role.ITEM_WRITER, Role.ITEM_REVIEWER)
AUTHOR_ROLES = (Role.ITEM_WRITER, Role.BANK_MANAGER)


def uses_banks(user) -> bool:
    return rules.has_role(user, *BANK_ROLES)


def bank_scope_q(user, roles=BANK_ROLES, prefix: str = "") -> Q:
    """A filter on banks (or on ``prefix`` + bank fields) the user reaches through ``roles``."""
    q = Q(pk__in=[])
    for a in rules.active_assignments(user):
        if a.role not in roles or a.organisation_id is None or not rules.content_cleared(user, a.role):
            continue
        part = Q(**{f"{prefix}body_id__in": rules.subtree_ids(user, [a.organisation_id])})
        if a.occupation_id:
            part &= Q(**{f"{prefix}occupation_id": a.occupation_id})
        q |= part
    return q


def roles_in_bank(user, bank) -> set[str]:
    """The bank roles the user holds over ``bank`` (body in scope, occupation matching)."""
    found = set()
    chain = rules.ancestors_and_self(user, bank.body_id)
    for a in rules.active_assignments(user):
        if (a.role in BANK_ROLES and a.organisation_id in chain and a.occupation_id in (None, bank.occupation_id)
                and rules.content_cleared(user, a.role)):
            found.add(a.role)
    return found


def manages(user, bank) -> bool:
    return Role.BANK_MANAGER in roles_in_bank(user, bank)


def reviews(user, bank) -> bool:
    return Role.ITEM_REVIEWER in roles_in_bank(user, bank)


def writes(user, bank) -> bool:
    return bool(roles_in_bank(user, bank) & set(AUTHOR_ROLES))


def may_read_content(user, item) -> bool:
    held = roles_in_bank(user, item.bank)
    if held & {Role.BANK_MANAGER, Role.ITEM_REVIEWER}:
        return True
    return Role.ITEM_WRITER in held and item.author_id == user.pk
