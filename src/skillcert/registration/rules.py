"""Who may do what in registration (§6.1; §10.9 按照权限控制). Default deny.

- The body's office (accounts.rules.is_office: admins and exam affairs) writes the annual plans, announcements
  and eligibility rule sets of its body, reviews and imports applications and corrects a candidate's identity.
- Both kinds of supervision (quality and internal supervisors) read them; the platform admin reads everything.
- A candidate reaches only his own applications (registration.selectors.candidate_applications).
"""

from __future__ import annotations

from skillcert.accounts import rules
from skillcert.accounts.enums import Role

STAFF_ROLES = rules.OFFICE_ROLES
READ_ROLES = (*STAFF_ROLES, Role.QUALITY_SUPERVISOR, Role.INTERNAL_SUPERVISOR)  # both kinds of supervision read


def can_register(user) -> bool:
    """The registration pages that write: the office of some body."""
    return rules.has_role(user, *STAFF_ROLES)


def can_read_registrations(user) -> bool:
    return rules.has_role(user, *READ_ROLES)


def edits_registration(user, body) -> bool:
    """Annual plans, announcements and rule sets of ``body`` (§6.1.1, §6.1.2)."""
    return rules.is_office(user, body)


def reviews_applications(user, body) -> bool:
    """Reviews, imports and corrects the applications to ``body``'s announcements (§6.1.3, §6.1.4)."""
    return rules.is_office(user, body)


def reads_application(user, application) -> bool:
    """Opens an application's documents: its candidate, the body's office and supervisors, the platform admin."""
    if application.candidate_id == user.pk:
        return True
    return rules.is_platform_admin(user) or rules.has_role(user, *READ_ROLES, org=application.announcement.body_id)
