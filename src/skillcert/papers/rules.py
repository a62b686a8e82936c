"""Who may do what with papers (§10.9 按照权限控制, §10.1–§10.5). Default deny.

- A paper's content (assembly, review, swap, lock, seal, print) belongs to the bank's managers.
- Its custody ledger is kept by the body's exam affairs staff and admins, and by the bank's managers;
  every person an event names confirms it in their own account.
- Release at the session's start signal: exam affairs, body admins, or the session's chief examiner.
"""

from __future__ import annotations

from skillcert.accounts import rules
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
