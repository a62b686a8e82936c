"""Who may schedule (§6.2, §6.4.1, 附录A; §10.9 按照权限控制). Default deny.

- The body's office (accounts.rules.is_office: admins and exam affairs) keeps venues, rooms, batches, sessions,
  seats, tickets and staffing of its body; both kinds of supervision read them.
- A staff member's profile and declared conflicts: the office of the staff member's organisation (or the
  platform admin); a staff member declares his own conflicts.
- A post at a venue needs the account role that grants it (accounts roles held over the venue).
"""

from __future__ import annotations

from skillcert.accounts import rules
from skillcert.accounts.enums import Role

SCHEDULERS = rules.OFFICE_ROLES
READERS = (*SCHEDULERS, Role.QUALITY_SUPERVISOR, Role.INTERNAL_SUPERVISOR)  # both kinds of supervision read


def can_schedule(user) -> bool:
    """The scheduling pages that write: the office of some body."""
    return rules.has_role(user, *SCHEDULERS)


def can_read_schedules(user) -> bool:
    return rules.has_role(user, *READERS)


def leads_sittings(user) -> bool:
    """考场 sign-off pages (主考, 副主考) in the navigation."""
    return rules.has_role(user, Role.CHIEF_EXAMINER, Role.DEPUTY_CHIEF)


def schedules(user, org) -> bool:
    """Schedules for ``org`` (a body, or a venue under it): its office."""
    return rules.is_office(user, org)


def schedules_body(user, body_id: int) -> bool:
    """The write buttons of a body's pages: a scheduler, over that body (the platform admin only if he schedules)."""
    return can_schedule(user) and (rules.is_platform_admin(user) or schedules(user, body_id))


def manages_staff(user, staff) -> bool:
    """A staff member's profile (employer, work-card photo) and his declared conflicts."""
    return rules.is_platform_admin(user) or bool(staff.organisation_id and schedules(user, staff.organisation_id))


def holds_at_venue(user, roles, venue) -> bool:
    """The posted person holds one of the account ``roles`` a post needs, in a scope covering ``venue``."""
    return rules.has_role(user, *roles, org=venue)
