"""Who may see and run a room (§6.4.1, A.2). Default deny.

- A proctor sees and runs only the rooms they are assigned to for that session.
- The chief and deputy chief examiner of a venue run every room of it; inspectors and quality
  supervisors see them all (§6.4.1.2 巡考), without operating them.
- The body's exam affairs staff and admins see every room of their body's sessions.
- A candidate reaches only their own attempt, through the token of their log-in (never these rules).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from skillcert.accounts import rules
from skillcert.scheduling.enums import StaffRole

RUNNERS_AT_VENUE = (StaffRole.CHIEF, StaffRole.DEPUTY)
WATCHERS_AT_VENUE = (StaffRole.CHIEF, StaffRole.DEPUTY, StaffRole.INSPECTOR, StaffRole.SUPERVISOR)
OFFICE = rules.OFFICE_ROLES


def _posts(user, sitting):
    if not getattr(user, "is_authenticated", False):
        return []
    cache = getattr(user, "_delivery_posts", None)
    if cache is None:
        cache = user._delivery_posts = {}
    key = sitting.session_id
    if key not in cache:
        cache[key] = list(sitting.session.staff.filter(user=user).values_list("role", "venue_id", "room_id"))
    return cache[key]


def runs(user, sitting) -> bool:
    """Start, pause, compensate, check in, force-submit: the room's proctors and the venue's chiefs."""
    for role, venue_id, room_id in _posts(user, sitting):
        if role == StaffRole.PROCTOR and room_id == sitting.room_id:
            return True
        if role in RUNNERS_AT_VENUE and venue_id == sitting.room.venue_id:
            return True
    return False


def sees(user, sitting) -> bool:
    if runs(user, sitting):
        return True
    for role, venue_id, _room in _posts(user, sitting):
        if role in WATCHERS_AT_VENUE and venue_id == sitting.room.venue_id:
            return True
    return rules.is_platform_admin(user) or rules.is_office(user, sitting.session.batch.announcement.body_id)


def sees_q(user) -> Q:
    """The query twin of :func:`sees` over RoomSitting: one filter, no predicate per row (issue #21 item 3)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if rules.is_platform_admin(user):
        return Q()
    from skillcert.scheduling.models import StaffAssignment

    posted = StaffAssignment.objects.filter(session_id=OuterRef("session_id"), user=user).filter(
        Q(role=StaffRole.PROCTOR, room_id=OuterRef("room_id"))
        | Q(role__in=WATCHERS_AT_VENUE, venue_id=OuterRef("room__venue_id")))
    return Exists(posted) | Q(session__batch__announcement__body_id__in=rules.office_scope_ids(user))


def oversees_venue(user, session, venue_id: int) -> bool:
    """The venue overview (all rooms at once): its chiefs, inspectors and supervisors, and the office."""
    if session.staff.filter(user=user, venue_id=venue_id, role__in=WATCHERS_AT_VENUE).exists():
        return True
    return rules.is_platform_admin(user) or rules.is_office(user, session.batch.announcement.body_id)


def venues_overseen(user, session) -> set[int] | None:
    """The venues of ``session`` whose overview :func:`oversees_venue` opens, in one query; None means all."""
    if rules.is_platform_admin(user) or rules.is_office(user, session.batch.announcement.body_id):
        return None
    return set(session.staff.filter(user=user, role__in=WATCHERS_AT_VENUE).values_list("venue_id", flat=True))


def prepares(user, session) -> bool:
    """准备考场 (the room sittings and their candidates, before the exam): the session's proctors and chief
    examiners, the body's exam affairs staff and admins, the platform admin. Inspectors only watch."""
    if not getattr(user, "is_authenticated", False):
        return False
    if rules.is_platform_admin(user) or rules.is_office(user, session.batch.announcement.body_id):
        return True
    return session.staff.filter(user=user, role__in=(StaffRole.PROCTOR, *RUNNERS_AT_VENUE)).exists()


def uses_delivery(user) -> bool:
    """Whether the console shows 考场监考台 at all."""
    if rules.is_platform_admin(user) or rules.is_office(user):
        return True
    return user.staff_assignments.exists()
