"""Who may grade (§6.3.3, §10.7): default deny."""

from __future__ import annotations

from skillcert.accounts import rules
from skillcert.accounts.enums import Role

OFFICE = (Role.BODY_ADMIN, Role.EXAM_AFFAIRS)


def scores(user, session) -> bool:
    """Objective scoring runs: the body's exam affairs staff and admins."""
    return rules.has_role(user, *OFFICE, org=session.batch.announcement.body_id)
