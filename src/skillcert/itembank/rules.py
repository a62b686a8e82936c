"""Who may do what in a bank (§7.3.2 账号管理, §10.9 按照权限控制). Default deny.

Bank roles are held in a certification body (covering what is below it) and optionally for one
occupation. Only bank roles in scope touch a bank at all; content is read by the bank manager and
reviewers of that bank, and by a writer only for the items they wrote themselves. A bank role counts only once
its holder has a confirmed second factor (accounts.rules.content_cleared, §7.3.2).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skillcert.accounts import rules
from skillcert.accounts.duties import Duty
from skillcert.accounts.enums import Role

BANK_ROLES = (Role.BANK_MANAGER, Role.ITEM_WRITER, Role.ITEM_REVIEWER)
AUTHOR_ROLES = (Role.ITEM_WRITER, Role.BANK_MANAGER)


def uses_banks(user) -> bool:
    return rules.has_role(user, *BANK_ROLES)


def creates_banks(user, body=None) -> bool:
    """Opens a bank for ``body`` (any body when None): its bank managers (§7.3.2)."""
    return rules.has_role(user, Role.BANK_MANAGER, org=body)


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


# --- Separation of duties (职责分离): steps a second person must take; accounts.duties collects them for the
# 职责分离 page and enforces them (require_different). Issue #21 item 3: declared beside the predicates. -----------

ITEM_REVIEW = "item_review"
ITEM_ACCEPTANCE = "item_acceptance"
BANK_EXPORT = "bank_export"

DIFFERENT_PERSON: tuple[Duty, ...] = (
    Duty(ITEM_REVIEW, "§7.2.4", _("试题的命题人（任一版本的编写人）"), _("领取并审核该试题"),
         ("itembank.services.items.item_transition", "itembank.services.items.item_review"),
         _("命题人不能审核自己编写的试题。")),
    Duty(ITEM_ACCEPTANCE, "§7.2.6.2", _("待验收试题的命题人"), _("担任这些试题的验收小组成员"),
         ("itembank.services.acceptance.meeting_add_member",),
         _("命题人不能参加自己所编试题的验收。")),
    Duty(BANK_EXPORT, "§10.5", _("申请导出题库的人"), _("批准该导出"),
         ("itembank.services.exports.export_decide",),
         _("不能批准自己的导出申请，须由另一位题库管理员批准。")),
)
