"""Who may do what with papers (§10.9 按照权限控制, §10.1–§10.5). Default deny.

- A paper's content (assembly, review, swap, lock, seal, print) belongs to the bank's managers.
- Its custody ledger is kept by the body's exam affairs staff and admins, and by the bank's managers;
  every person an event names confirms it in their own account.
- Release at the session's start signal: exam affairs, body admins, or the session's chief examiner.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skillcert.accounts import rules
from skillcert.accounts.duties import Duty
from skillcert.accounts.enums import Role
from skillcert.itembank import rules as bank_rules
from skillcert.scheduling.enums import StaffRole

CUSTODIANS = (Role.BODY_ADMIN, Role.EXAM_AFFAIRS)


def manages(user, paper) -> bool:
    return bank_rules.manages(user, paper.bank)


def keeps_custody(user, paper) -> bool:
    return manages(user, paper) or rules.has_role(user, *CUSTODIANS, org=paper.bank.body_id)


def may_release(user, paper) -> bool:
    if rules.has_role(user, *CUSTODIANS, org=paper.bank.body_id):
        return True
    return paper.session.staff.filter(user=user, role=StaffRole.CHIEF).exists()


def uses_papers(user) -> bool:
    return rules.has_role(user, Role.BANK_MANAGER, *CUSTODIANS) or rules.is_platform_admin(user)


# --- Separation of duties (职责分离): steps a second person must take; accounts.duties collects them for the
# 职责分离 page and enforces them (require_different). Issue #21 item 3: declared beside the predicates. -----------

PAPER_REVIEW = "paper_review"

DIFFERENT_PERSON: tuple[Duty, ...] = (
    Duty(PAPER_REVIEW, "§6.3.2.3", _("组卷的题库管理员"), _("审核该试卷（之后方可锁定、密封）"),
         ("papers.services.paper_review",),
         _("组卷人不能审核自己组的试卷，须由另一位题库管理员审核。")),
)
