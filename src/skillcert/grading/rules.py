"""Who may grade (§6.3.3, §10.7): default deny."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skillcert.accounts import rules
from skillcert.accounts.duties import Duty
from skillcert.accounts.enums import Role

OFFICE = rules.OFFICE_ROLES
EXPORT_ROLES = (*OFFICE, Role.QUALITY_SUPERVISOR)


def scores(user, session) -> bool:
    """Objective scoring runs: the body's exam affairs staff and admins."""
    return rules.is_office(user, session.batch.announcement.body_id)


def scored_by_q(user, prefix: str = "") -> Q:
    """The query twin of :func:`scores`: sessions (or, with ``prefix``, rows reaching a session through it) of the
    bodies whose office the user works in. Scoping happens in the query (issue #21 item 3)."""
    return Q(**{f"{prefix}batch__announcement__body_id__in": rules.office_scope_ids(user)})


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
    return rules.is_office(user, batch.announcement.body_id)


def publishes(user, batch) -> bool:
    """发布 (§10.7): only the body's admins."""
    return rules.is_body_admin(user, batch.announcement.body_id)


def exports_any(user) -> bool:
    """The results API at all: the office and quality supervisors (which batches: :func:`may_export`)."""
    return rules.has_role(user, *EXPORT_ROLES)


def may_export(user, batch) -> bool:
    """Who receives a batch's confirmed results before publication (§6.5.2 认定结果导入监管平台, §10.7): the body's
    office, and the quality supervisors of the supervising authority above the body — not a supervisor posted in
    the body itself (internal supervision does not see scores before publication)."""
    from skillcert.accounts.enums import OrgKind
    from skillcert.accounts.models import Organisation

    body_id = batch.announcement.body_id
    if scores_batch(user, batch):
        return True
    above = [o for o in rules.ancestors_and_self(user, body_id) if o != body_id]
    authorities = set(Organisation.objects.filter(pk__in=above, kind=OrgKind.AUTHORITY).values_list("pk", flat=True))
    return any(a.role == Role.QUALITY_SUPERVISOR and a.organisation_id in authorities
               for a in rules.active_assignments(user))


def recorders():
    """The session posts that keep a practical room record (A.3.6)."""
    from skillcert.scheduling.enums import StaffRole

    return (StaffRole.CHIEF, StaffRole.DEPUTY, StaffRole.INSPECTOR, StaffRole.SUPERVISOR, StaffRole.PROCTOR,
            StaffRole.EXAMINER_LEADER, StaffRole.EXAMINER)


def sees_scores(user, panel) -> bool:
    """§10.7 认定成绩发布前，任何人不应外泄: the pieces' scores and, once the map is open, whose piece each is —
    the scoring panel (its examiners and leader) and the body's office only. Not the witnesses of the opening,
    nor the session's chief, inspectors, supervisors or proctors, nor examiners of another panel."""
    return (scores(user, panel.session) or user.pk == panel.leader_id
            or panel.examiners.filter(pk=user.pk).exists())


def records(user, panel) -> bool:
    """Who keeps the room record: the panel, the office, and the session's staff (proctors, the chief, inspectors,
    the quality supervisor who checks the examiners, A.3.6)."""
    return (sees_scores(user, panel)
            or panel.session.staff.filter(user=user, role__in=recorders()).exists())


def sees_results(user, batch) -> bool:
    """Before publication only the batch's grading roles see scores (§10.7): the body's office and the chief
    examiner of one of the batch's sessions."""
    from skillcert.scheduling.enums import StaffRole

    return scores_batch(user, batch) or batch.sessions.filter(staff__user=user, staff__role=StaffRole.CHIEF).exists()


def uses_results(user) -> bool:
    return uses_grading(user) or rules.has_role(user, Role.CHIEF_EXAMINER)


# --- Separation of duties (职责分离): steps a second person must take; accounts.duties collects them for the
# 职责分离 page and enforces them (require_different). Issue #21 item 3: declared beside the predicates. -----------

SHEET_SECOND_ENTRY = "sheet_second_entry"
SECOND_MARKING = "second_marking"
RESULT_CORRECTION = "result_correction"

DIFFERENT_PERSON: tuple[Duty, ...] = (
    Duty(SHEET_SECOND_ENTRY, "§6.3.3", _("答题卡第一遍录入人"), _("第二遍录入"),
         ("grading.sheets.sheet_enter",),
         _("第二遍须由另一名工作人员录入。")),
    Duty(SECOND_MARKING, "§6.3.3", _("答卷的一评阅卷人"), _("二评同一答卷"),
         ("grading.services.mark_record",),
         _("您已评过这份答卷；双评须由另一位阅卷人完成。")),
    Duty(RESULT_CORRECTION, "§6.5.2", _("申请更正成绩的人"), _("审批该更正"),
         ("grading.results.change_decide",),
         _("更正须由申请人以外的另一人审批。")),
)
