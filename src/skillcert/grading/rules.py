"""Who may grade (§6.3.3, §10.7): default deny."""

from __future__ import annotations

from skillcert.accounts import rules
from skillcert.accounts.enums import Role

OFFICE = (Role.BODY_ADMIN, Role.EXAM_AFFAIRS)


def scores(user, session) -> bool:
    """Objective scoring runs: the body's exam affairs staff and admins."""
    return rules.has_role(user, *OFFICE, org=session.batch.announcement.body_id)


def uses_grading(user) -> bool:
    """Scores are the body's business (§10.7): not the platform admin's."""
    return rules.has_role(user, *OFFICE)


def marks_any(user) -> bool:
    """考评员 and 考评组长: the marking pages (their own tasks only)."""
    return rules.has_role(user, Role.EXAMINER, Role.EXAMINER_LEADER)


def marks(user, task) -> bool:
    return user.pk == task.leader_id or task.markers.filter(pk=user.pk).exists()


def serves_body(user, body_id: int, *roles: str) -> bool:
    """Holds one of ``roles`` in the body or in one of its venues (考评员, for one, are often posted at a venue)."""
    return any(a.role in roles and a.organisation_id is not None
               and body_id in rules.ancestors_and_self(user, a.organisation_id)
               for a in rules.active_assignments(user))


def staffs_practical(user) -> bool:
    """Staff of a practical session (chief, inspectors, the quality supervisor, proctors): the room record."""
    from skillcert.scheduling.enums import SessionKind, StaffRole
    from skillcert.scheduling.models import StaffAssignment

    return StaffAssignment.objects.filter(user=user, session__kind=SessionKind.PRACTICAL, role__in=[
        StaffRole.CHIEF, StaffRole.DEPUTY, StaffRole.INSPECTOR, StaffRole.SUPERVISOR, StaffRole.PROCTOR]).exists()


def works_practical(user) -> bool:
    """"My practical rooms": the examiners who score and the staff who keep a room record."""
    return marks_any(user) or staffs_practical(user)


def uses_practical(user) -> bool:
    """The practical panel pages: the office, examiners and leaders, any staff named as a witness, and the staff
    of practical sessions (the room record)."""
    from .models import UnsealWitness

    return (uses_grading(user) or marks_any(user) or staffs_practical(user)
            or UnsealWitness.objects.filter(user=user, confirmed_at__isnull=True).exists())


def scores_batch(user, batch) -> bool:
    return rules.has_role(user, *OFFICE, org=batch.announcement.body_id)


def sees_results(user, batch) -> bool:
    """Before publication only the batch's grading roles see scores (§10.7): the body's office and the chief
    examiner of one of the batch's sessions."""
    from skillcert.scheduling.enums import StaffRole

    return scores_batch(user, batch) or batch.sessions.filter(staff__user=user, staff__role=StaffRole.CHIEF).exists()


def uses_results(user) -> bool:
    return uses_grading(user) or rules.has_role(user, Role.CHIEF_EXAMINER)
