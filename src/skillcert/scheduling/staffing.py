"""Staffing of a sitting (§6.4.1), conflicts of interest, the readiness report and the per-room
sign-off that gates the start of a session (A.1.2, §6.2.2.6, A.2.1).

Rules enforced in ``staff_assign`` (not only in forms):
- §6.4.1.2 one chief examiner per venue and session, deputies as needed;
- §6.4.1.3 proctors sit in theory rooms, §6.4.1.4 examiners (one leader per room) in practical rooms;
- the person holds the matching role in the venue's scope (a proctor is a 监考人员 of that venue or body);
- nobody is in two places: one post per session, and no post in an overlapping session;
- a declared conflict of interest (a relative's ID number, or an employer shared with a candidate)
  with a candidate seated in the room is refused.
The minimum numbers (2 proctors, 3 examiners incl. a leader, the examiner-to-workstation ratio) are
what the readiness report checks: they can only be judged once staffing is complete.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from skillcert.accounts.enums import Role
from skillcert.accounts.models import Organisation
from skillcert.core import audit

from . import rules as scheduling_rules
from .checks import check_room, missing_facilities, missing_support_staff, require_scheduler, seating_pool
from .enums import (
    MIN_EXAMINERS,
    MIN_PROCTORS,
    PRACTICAL_CHECKS,
    ROOM_ROLES,
    ROOM_SIGNOFF_ITEMS,
    ConflictKind,
    RoomKind,
    SessionKind,
    StaffRole,
)
from .models import (
    Batch,
    ConflictDeclaration,
    ExamSession,
    Room,
    RoomSignOff,
    SeatAssignment,
    StaffAssignment,
    StaffProfile,
)

# Which system roles (accounts.Role) may fill each post.
ROLE_GRANTS = {
    StaffRole.CHIEF: (Role.CHIEF_EXAMINER,),
    StaffRole.DEPUTY: (Role.DEPUTY_CHIEF, Role.CHIEF_EXAMINER),
    StaffRole.INSPECTOR: (Role.INSPECTOR,),
    StaffRole.SUPERVISOR: (Role.INTERNAL_SUPERVISOR,),  # the body's 内部质量督导人员 (§6.4.1.1), not the authority's
    StaffRole.PROCTOR: (Role.PROCTOR,),
    StaffRole.EXAMINER_LEADER: (Role.EXAMINER_LEADER,),
    StaffRole.EXAMINER: (Role.EXAMINER, Role.EXAMINER_LEADER),
}
STAFFABLE_ROLES = tuple(sorted({r for grants in ROLE_GRANTS.values() for r in grants}))


def _norm(text: str) -> str:
    return "".join(text.split()).upper()


# --- Staff profiles and declared conflicts ---------------------------------------------------------

@transaction.atomic
def staff_profile_save(*, actor, user, employer: str, photo=None) -> StaffProfile:
    """Employer (used for same-employer conflicts) and the work-card photo of a staff member."""
    if not scheduling_rules.manages_staff(actor, user):
        raise PermissionDenied(_("您无权修改该工作人员的资料。"))
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
    before = {"employer": profile.employer, "photo": bool(profile.photo)}
    profile.employer = employer.strip()
    if photo is not None:
        from skillcert.registration.uploads import check_photo

        checked = check_photo(photo)
        profile.photo.save(checked.content.name, checked.content, save=False)
    profile.save()
    audit.record_changes(actor, "scheduling.staff.profile_saved", target=profile, before=before,
                         after={"employer": profile.employer, "photo": bool(profile.photo)})
    return profile


@transaction.atomic
def conflict_declare(*, actor, staff, kind: str, id_number: str = "", employer: str = "",
                     note: str = "") -> ConflictDeclaration:
    """Record a staff member's declared conflict of interest (relative by ID number, or employer)."""
    if actor.pk != staff.pk and not scheduling_rules.manages_staff(actor, staff):
        raise PermissionDenied(_("您无权为该工作人员登记回避情形。"))
    if kind not in ConflictKind.values:
        raise ValidationError({"kind": _("请选择回避情形。")})
    id_number, employer = _norm(id_number), employer.strip()
    if kind == ConflictKind.RELATIVE and not id_number:
        raise ValidationError({"id_number": _("近亲属回避须填写考生的证件号码。")})
    if kind == ConflictKind.SAME_EMPLOYER and not employer:
        raise ValidationError({"employer": _("同单位回避须填写工作单位名称。")})
    declaration = ConflictDeclaration.objects.create(staff=staff, kind=kind, id_number=id_number, employer=employer,
                                                     note=note.strip(), recorded_by=actor)
    audit.record(actor, "scheduling.conflict.declared", target=declaration, data={
        "staff": staff.pk, "kind": kind, "id_tail": id_number[-4:], "employer": employer})
    return declaration


Keys = tuple[set[str], set[str]]  # (ID numbers of declared relatives, normalised employers)
Seated = list[tuple[str, str, str]]  # (name, ID number, employer) of the candidates in a room


def _conflict_keys(user_ids) -> dict[int, Keys]:
    """Per staff member: the declared relatives' ID numbers and the employers (declared ones and the
    staff profile's) — two queries for any number of people."""
    keys: dict[int, Keys] = {pk: (set(), set()) for pk in user_ids}
    for staff_id, id_number, employer in ConflictDeclaration.objects.filter(staff_id__in=keys).values_list(
            "staff_id", "id_number", "employer"):
        if id_number:
            keys[staff_id][0].add(id_number)
        if employer:
            keys[staff_id][1].add(_norm(employer))
    for user_id, employer in StaffProfile.objects.filter(user_id__in=keys).exclude(employer="").values_list(
            "user_id", "employer"):
        keys[user_id][1].add(_norm(employer))
    return keys


def _seated(session: ExamSession, room: Room | None = None) -> dict[int, Seated]:
    """Room id → the candidates seated there for the session (one query)."""
    rows = SeatAssignment.objects.filter(session=session)
    if room is not None:
        rows = rows.filter(seat__room=room)
    out: dict[int, Seated] = defaultdict(list)
    for room_id, *facts in rows.values_list("seat__room_id", "application__full_name", "application__id_number",
                                            "application__employer"):
        out[room_id].append(tuple(facts))
    return out


def _conflicts(keys: Keys, seated: Seated) -> list[str]:
    ids, employers = keys
    found = []
    for name, id_number, employer in seated if (ids or employers) else ():
        if _norm(id_number) in ids:
            found.append(_("%(name)s（近亲属）") % {"name": name})
        elif employer and _norm(employer) in employers:
            found.append(_("%(name)s（同一工作单位：%(e)s）") % {"name": name, "e": employer})
    return found


def conflicts_in_room(user, session: ExamSession, room: Room) -> list[str]:
    """Candidates seated in the room for the session with whom ``user`` has a declared conflict."""
    return _conflicts(_conflict_keys([user.pk])[user.pk], _seated(session, room)[room.pk])


# --- Assignments -------------------------------------------------------------------------------------

def _session_venue_ids(session: ExamSession) -> set[int]:
    return set(session.rooms.values_list("venue_id", flat=True))


def _where(a: StaffAssignment) -> str:
    place = a.room.name if a.room_id else a.venue.name
    return _("%(session)s %(place)s（%(role)s）") % {"session": a.session, "place": place,
                                                     "role": a.get_role_display()}


@transaction.atomic
def staff_assign(*, actor, session_id: int, user, role: str, venue: Organisation,
                 room: Room | None = None) -> StaffAssignment:
    session = (ExamSession.objects.select_for_update(of=("self",)).select_related("batch__announcement")
               .get(pk=session_id))
    batch = session.batch
    require_scheduler(actor, batch.announcement.body_id, _("您无权为该批次安排考务人员。"))
    if batch.status not in ("planned", "scheduled", "tickets_issued"):
        raise ValidationError(_("批次已开考，不能再调整考务人员。"))
    if role not in StaffRole.values:
        raise ValidationError({"role": _("请选择岗位。")})
    if venue.pk not in _session_venue_ids(session):
        raise ValidationError({"venue": _("“%(v)s”不是本场次使用的考点。") % {"v": venue}})
    if role in ROOM_ROLES:
        if room is None:
            raise ValidationError({"room": _("%(role)s须安排到具体考场。") % {"role": StaffRole(role).label}})
        if room.venue_id != venue.pk or not session.rooms.filter(pk=room.pk).exists():
            raise ValidationError({"room": _("“%(r)s”不是本场次在该考点使用的考场。") % {"r": room.name}})
        if role == StaffRole.PROCTOR and room.kind == RoomKind.PRACTICAL:
            raise ValidationError({"role": _("实际操作考场由考评人员考评（§6.4.1.4），请安排考评员或考评组长。")})
        if role != StaffRole.PROCTOR and room.kind != RoomKind.PRACTICAL and session.kind != SessionKind.REVIEW:
            raise ValidationError({"role": _("理论考场应安排监考人员（§6.4.1.3）。")})
    elif room is not None:
        raise ValidationError({"room": _("%(role)s负责整个考点，不安排到具体考场。") % {"role": StaffRole(role).label}})
    grants = ROLE_GRANTS[role]
    if not scheduling_rules.holds_at_venue(user, grants, venue.pk):
        raise ValidationError({"user": _("%(name)s未被授予“%(role)s”所需的角色（%(grants)s）。") % {
            "name": user.full_name, "role": StaffRole(role).label,
            "grants": "、".join(str(Role(g).label) for g in grants)}})
    same = StaffAssignment.objects.filter(session=session, user=user).select_related("session", "room", "venue").first()
    if same:
        raise ValidationError({"user": _("%(name)s已安排在%(where)s，同一场次只能承担一个岗位。") % {
            "name": user.full_name, "where": _where(same)}})
    clash = (StaffAssignment.objects.filter(user=user, session__starts_at__lt=session.ends_at,
                                            session__ends_at__gt=session.starts_at)
             .select_related("session", "room", "venue").first())
    if clash:
        raise ValidationError({"user": _("%(name)s同一时间已安排在%(where)s，不能同时在两处工作。") % {
            "name": user.full_name, "where": _where(clash)}})
    if role == StaffRole.CHIEF and StaffAssignment.objects.filter(session=session, venue=venue,
                                                                   role=StaffRole.CHIEF).exists():
        raise ValidationError({"role": _("每个考点设主考1人（§6.4.1.2），本场次已有主考。")})
    if role == StaffRole.EXAMINER_LEADER and StaffAssignment.objects.filter(
            session=session, room=room, role=StaffRole.EXAMINER_LEADER).exists():
        raise ValidationError({"role": _("每个考评小组设考评组长1名（§6.4.1.4），该考场已有考评组长。")})
    if room is not None:
        conflicts = conflicts_in_room(user, session, room)
        if conflicts:
            raise ValidationError({"user": _("%(name)s须回避：本考场有%(who)s。") % {
                "name": user.full_name, "who": "、".join(conflicts)}})
    assignment = StaffAssignment.objects.create(session=session, venue=venue, room=room, user=user, role=role,
                                                assigned_by=actor)
    audit.record(actor, "scheduling.staff.assigned", target=assignment, data={
        "session": session.pk, "user": user.pk, "role": role, "venue": venue.pk, "room": room.pk if room else None})
    return assignment


@transaction.atomic
def staff_remove(*, actor, assignment_id: int) -> None:
    a = StaffAssignment.objects.select_for_update(of=("self",)).select_related(
        "session__batch__announcement").get(pk=assignment_id)
    require_scheduler(actor, a.session.batch.announcement.body_id, _("您无权调整该批次的考务人员。"))
    if a.session.batch.status not in ("planned", "scheduled", "tickets_issued"):
        raise ValidationError(_("批次已开考，不能再调整考务人员。"))
    audit.record(actor, "scheduling.staff.removed", target=a, data={
        "session": a.session_id, "user": a.user_id, "role": a.role, "room": a.room_id})
    a.delete()


def staff_candidates(batch: Batch):
    """People who may be given a post in the batch: staff of the body or its venues holding a staffing role."""
    from skillcert.accounts.models import User

    body_id = batch.announcement.body_id
    org_ids = {body_id, *Organisation.objects.filter(parent_id=body_id).values_list("pk", flat=True)}
    return (User.objects.filter(role_assignments__role__in=STAFFABLE_ROLES, role_assignments__revoked_at__isnull=True,
                                role_assignments__organisation_id__in=org_ids).distinct().order_by("full_name"))


# --- Readiness (A.1.2, §6.2.2.6, §6.4.1) ---------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    session_id: int | None = None
    code: str = ""  # "unsigned" for a room awaiting the chief's sign-off


def _examiners_needed(seated: int, per_examiner: int) -> int:
    return max(MIN_EXAMINERS, math.ceil(seated / per_examiner)) if seated else MIN_EXAMINERS


def session_problems(session: ExamSession, *, batch: Batch | None = None) -> list[Problem]:
    """Every violation that keeps one session from running."""
    batch = batch or session.batch
    out: list[Problem] = []

    def add(where: str, message: str, code: str = "") -> None:
        out.append(Problem(where=f"{session}｜{where}" if where else str(session), message=message,
                           session_id=session.pk, code=code))

    rooms = list(session.rooms.select_related("venue").order_by("venue__name", "name"))
    if not rooms:
        add("", _("未指定考场。"))
    wanted, _elsewhere = seating_pool(session, batch)
    unseated = len(set(wanted) - set(SeatAssignment.objects.filter(session=session)
                                     .values_list("application_id", flat=True)))
    if unseated:
        add("", _("%(n)d名考生未安排座位。") % {"n": unseated})
    seated_in = _seated(session)
    staff = list(StaffAssignment.objects.filter(session=session).select_related("user"))
    keys = _conflict_keys({a.user_id for a in staff if a.room_id})
    by_room: dict[int, list[StaffAssignment]] = defaultdict(list)
    by_venue: dict[int, list[StaffAssignment]] = defaultdict(list)
    for a in staff:
        (by_room[a.room_id] if a.room_id else by_venue[a.venue_id]).append(a)
    signed = set(RoomSignOff.objects.filter(session=session).values_list("room_id", flat=True))
    venues = {r.venue_id: r.venue for r in rooms}
    for venue in sorted(venues.values(), key=lambda v: v.name):
        missing = missing_facilities(venue)
        if missing:
            add(venue.name, _("考点缺少：%(m)s（§6.2.2.5）。") % {"m": "、".join(missing)})
        short_staff = missing_support_staff(venue)
        if short_staff:
            add(venue.name, _("考点未配备%(m)s工作人员（§6.2.2.4）。") % {"m": "、".join(short_staff)})
        roles = [a.role for a in by_venue[venue.pk]]
        if StaffRole.CHIEF not in roles:
            add(venue.name, _("未安排主考（§6.4.1.2）。"))
        if StaffRole.INSPECTOR not in roles:
            add(venue.name, _("未安排巡考人员（§6.4.1.1）。"))
        if not any(r.venue_id == venue.pk and r.is_emergency for r in rooms) and not Room.objects.filter(
                venue=venue, is_emergency=True, is_active=True).exists():
            add(venue.name, _("未设应急考场（§6.2.2.5）。"))
    if not any(a.role == StaffRole.SUPERVISOR for a in staff):
        add("", _("未指派质量督导人员（§6.4.1.1）。"))
    for room in rooms:
        if room.is_emergency:
            continue
        n = len(seated_in.get(room.pk, ()))
        if not n:
            continue
        where = f"{room.venue.name} {room.name}"
        try:
            check_room(room)
        except ValidationError as exc:
            for msg in exc.messages:
                add(where, msg)
        if n > room.capacity:
            add(where, _("考场超员：安排%(n)d人，座位%(c)d个。") % {"n": n, "c": room.capacity})
        posts = [a.role for a in by_room[room.pk]]
        if room.kind == RoomKind.PRACTICAL or session.kind == SessionKind.REVIEW:
            examiners = sum(1 for r in posts if r in (StaffRole.EXAMINER, StaffRole.EXAMINER_LEADER))
            need = _examiners_needed(n, batch.workstations_per_examiner)
            if examiners < need:
                add(where, _("考评人员%(have)d名，至少需要%(need)d名（§6.4.1.4：不少于3名，且每%(k)d个工位1名）。") % {
                    "have": examiners, "need": need, "k": batch.workstations_per_examiner})
            if StaffRole.EXAMINER_LEADER not in posts:
                add(where, _("未设考评组长（§6.4.1.4）。"))
            if room.kind == RoomKind.PRACTICAL:
                unchecked = [str(label) for key, label in PRACTICAL_CHECKS.items() if not room.checks.get(key)]
                if unchecked:
                    add(where, _("设备检查未完成：%(m)s（§6.2.2.3）。") % {"m": "、".join(unchecked)})
        else:
            proctors = posts.count(StaffRole.PROCTOR)
            if proctors < MIN_PROCTORS:
                add(where, _("监考人员%(have)d名，每个理论考场至少2名（§6.4.1.3）。") % {"have": proctors})
        for a in by_room[room.pk]:
            conflicts = _conflicts(keys[a.user_id], seated_in[room.pk])
            if conflicts:
                add(where, _("%(name)s须回避：%(who)s。") % {"name": a.user.full_name, "who": "、".join(conflicts)})
        if room.pk not in signed:
            add(where, _("考场尚未经主考检查验收签字（A.1.2）。"), code="unsigned")
    return out


def readiness(batch: Batch) -> list[Problem]:
    """The batch's readiness report: every violation, session by session."""
    problems = []
    for session in batch.sessions.order_by("starts_at"):
        problems += session_problems(session, batch=batch)
    return problems


def session_may_start(session: ExamSession) -> list[Problem]:
    """The gate later stages call before a session starts: empty when it may start."""
    return session_problems(session)


# --- Room sign-off (A.1.2) ------------------------------------------------------------------------------

@transaction.atomic
def room_sign_off(*, actor, session_id: int, room_id: int, items: dict[str, bool]) -> RoomSignOff:
    """The chief examiner (or a deputy) of the venue confirms the room inspected and sealed, the
    postings up and the equipment checked. Every item must be confirmed."""
    session = ExamSession.objects.select_for_update().get(pk=session_id)
    room = session.rooms.select_related("venue").filter(pk=room_id).first()
    if room is None:
        raise ValidationError({"room": _("该考场不属于本场次。")})
    if not StaffAssignment.objects.filter(session=session, venue=room.venue, user=actor,
                                          role__in=(StaffRole.CHIEF, StaffRole.DEPUTY)).exists():
        raise PermissionDenied(_("只有本场次该考点的主考或副主考可以验收考场（A.1.2）。"))
    missing = [str(label) for key, label in ROOM_SIGNOFF_ITEMS.items() if not items.get(key)]
    if missing:
        raise ValidationError({"items": _("以下项目未确认：%(m)s") % {"m": "；".join(missing)}})
    if RoomSignOff.objects.filter(session=session, room=room).exists():
        raise ValidationError(_("该考场本场次已验收签字。"))
    signoff = RoomSignOff.objects.create(session=session, room=room, items={k: True for k in ROOM_SIGNOFF_ITEMS},
                                         signed_by=actor)
    audit.record(actor, "scheduling.room.signed_off", target=signoff, data={"session": session.pk, "room": room.pk})
    return signoff
