"""Venue, room, batch and session writes with the §6.2.2 rules enforced here (not only in forms),
and seat allocation (§6.2.1). Each service checks permission, validates, locks, writes and
audits in one transaction."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts.enums import OrgKind
from skillcert.accounts.models import Organisation
from skillcert.core import audit
from skillcert.core.notify import notify
from skillcert.core.statemachine import require_transition, transition
from skillcert.registration.enums import ApplicationStatus
from skillcert.registration.models import Announcement, AnnouncementOffer, Application

from .checks import check_room, require_scheduler, seat_label, seating_pool, session_part
from .enums import (
    BATCH_TRANSITIONS,
    FACILITIES,
    PART_OF_SESSION,
    ROOM_KINDS_FOR_SESSION,
    SUPPORT_STAFF,
    BatchStatus,
)
from .models import AdmissionTicket, Batch, ExamSession, Room, Seat, SeatAssignment, TicketStatus, VenueProfile
from .staffing import session_may_start

# --- Venues and rooms (§6.2.2) -------------------------------------------------------------

@transaction.atomic
def venue_profile_save(*, actor, venue: Organisation, facilities: dict[str, bool], support_staff: dict[str, int],
                       notes: str = "") -> VenueProfile:
    """§6.2.2.5 facilities and §6.2.2.4 support staff of a venue."""
    if venue.kind != OrgKind.VENUE:
        raise ValidationError({"venue": _("只能为考点登记设施。")})
    require_scheduler(actor, venue.pk, _("您无权修改该考点。"))
    unknown = (set(facilities) - set(FACILITIES)) | (set(support_staff) - set(SUPPORT_STAFF))
    if unknown:
        raise ValidationError(_("未知的项目：%(k)s") % {"k": "、".join(sorted(unknown))})
    if any(not isinstance(n, int) or n < 0 for n in support_staff.values()):
        raise ValidationError({"support_staff": _("保障人员人数应为不小于0的整数。")})
    profile, _created = VenueProfile.objects.select_for_update().get_or_create(venue=venue)
    before = {"facilities": profile.facilities, "support_staff": profile.support_staff, "notes": profile.notes}
    profile.facilities = {k: bool(facilities.get(k)) for k in FACILITIES}
    profile.support_staff = {k: int(support_staff.get(k, 0)) for k in SUPPORT_STAFF}
    profile.notes = notes
    profile.save()
    audit.record_changes(actor, "scheduling.venue.profile_saved", target=profile, before=before, after={
        "facilities": profile.facilities, "support_staff": profile.support_staff, "notes": profile.notes})
    return profile


ROOM_FIELDS = ("name", "kind", "location", "capacity", "columns", "single_desks", "spacing_cm", "is_emergency",
               "checks", "safety_officer", "is_active")


@transaction.atomic
def room_save(*, actor, venue: Organisation, room_id: int | None = None, workstations: list[str] | None = None,
              **fields) -> Room:
    """Create or change a room and lay out its seats (numbered row by row)."""
    if venue.kind != OrgKind.VENUE:
        raise ValidationError({"venue": _("考场必须属于一个考点。")})
    require_scheduler(actor, venue.pk, _("您无权管理该考点的考场。"))
    room = Room.objects.select_for_update().get(pk=room_id, venue=venue) if room_id else Room(venue=venue)
    before = {f: getattr(room, f) for f in ROOM_FIELDS} if room_id else {}
    for name, value in fields.items():
        if name not in ROOM_FIELDS:
            raise TypeError(f"unknown field {name}")
        setattr(room, name, value)
    check_room(room)
    room.full_clean()
    room.save()
    _lay_out_seats(room, workstations)
    after = {f: getattr(room, f) for f in ROOM_FIELDS}
    if room_id:
        audit.record_changes(actor, "scheduling.room.updated", target=room, before=before, after=after)
    else:
        audit.record(actor, "scheduling.room.created", target=room, data=after)
    return room


def _lay_out_seats(room: Room, workstations: list[str] | None) -> None:
    existing = {s.number: s for s in room.seats.all()}
    booked = set(SeatAssignment.objects.filter(seat__room=room).values_list("seat__number", flat=True))
    removed = [n for n in existing if n > room.capacity]
    if booked & set(removed):
        raise ValidationError({"capacity": _("座位%(n)s已安排考生，不能缩减到%(c)d个座位。") % {
            "n": "、".join(str(n) for n in sorted(booked & set(removed))), "c": room.capacity}})
    if workstations is not None and len(workstations) not in (0, room.capacity):
        raise ValidationError({"workstations": _("机位（工位）编号应与座位数一致（%(c)d个）。") % {"c": room.capacity}})
    Seat.objects.filter(room=room, number__in=removed).delete()
    for n in range(1, room.capacity + 1):
        row, col = (n - 1) // room.columns + 1, (n - 1) % room.columns + 1
        station = workstations[n - 1] if workstations else ""
        seat = existing.get(n)
        if seat is None:
            Seat.objects.create(room=room, number=n, row=row, col=col, workstation=station)
        elif (seat.row, seat.col) != (row, col) or (workstations is not None and seat.workstation != station):
            seat.row, seat.col = row, col
            if workstations is not None:
                seat.workstation = station
            seat.save(update_fields=["row", "col", "workstation"])


# --- Batches and sessions ------------------------------------------------------------------

@transaction.atomic
def batch_create(*, actor, announcement: Announcement, name: str, notes: str = "",
                 workstations_per_examiner: int = 10) -> Batch:
    require_scheduler(actor, announcement.body_id, _("您无权为该公告编排考试。"))
    batch = Batch(announcement=announcement, name=name.strip(), notes=notes.strip(), created_by=actor,
                  workstations_per_examiner=workstations_per_examiner)
    batch.full_clean()
    batch.save()
    audit.record(actor, "scheduling.batch.created", target=batch, data={
        "name": batch.name, "announcement": announcement.pk, "workstations_per_examiner": workstations_per_examiner})
    return batch


@transaction.atomic
def batch_update(*, actor, batch_id: int, name: str, notes: str, workstations_per_examiner: int) -> Batch:
    """Name, candidate notes (printed on tickets) and the examiner ratio; closed once the exam starts."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("announcement").get(pk=batch_id)
    require_scheduler(actor, batch.announcement.body_id, _("您无权修改该批次。"))
    if batch.status not in (BatchStatus.PLANNED, BatchStatus.SCHEDULED, BatchStatus.TICKETS_ISSUED):
        raise ValidationError(_("批次已开考，不能再修改。"))
    fields = ("name", "notes", "workstations_per_examiner")
    before = {f: getattr(batch, f) for f in fields}
    batch.name, batch.notes, batch.workstations_per_examiner = name.strip(), notes.strip(), workstations_per_examiner
    batch.full_clean()
    batch.save()
    audit.record_changes(actor, "scheduling.batch.updated", target=batch, before=before,
                         after={f: getattr(batch, f) for f in fields})
    return batch


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


@transaction.atomic
def session_add(*, actor, batch_id: int, kind: str, starts_at: dt.datetime, ends_at: dt.datetime,
                duration_minutes: int, offers: list[AnnouncementOffer], rooms: list[Room]) -> ExamSession:
    """A session for some offers of the batch's announcement. Two sessions that share an offer may not
    overlap in time: one candidate cannot sit both."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("announcement").get(pk=batch_id)
    require_scheduler(actor, batch.announcement.body_id, _("您无权修改该批次。"))
    if batch.status not in (BatchStatus.PLANNED, BatchStatus.SCHEDULED):
        raise ValidationError(_("批次已发准考证，不能再增加场次。"))
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间必须晚于开始时间。")})
    if duration_minutes > (ends_at - starts_at).total_seconds() / 60:
        raise ValidationError({"duration_minutes": _("考试时长不能超过场次的起止时间。")})
    if not offers:
        raise ValidationError({"offers": _("请选择本场次考核的工种和等级。")})
    if any(o.announcement_id != batch.announcement_id for o in offers):
        raise ValidationError({"offers": _("只能选择本公告提供的工种和等级。")})
    if kind == "review" and any(o.level.number > 2 for o in offers):
        raise ValidationError({"offers": _("综合评审只适用于技师和高级技师（§6.5.1）。")})
    allowed = ROOM_KINDS_FOR_SESSION[kind]
    body_venues = set(Organisation.objects.filter(parent_id=batch.announcement.body_id).values_list("pk", flat=True))
    for room in rooms:
        if room.kind not in allowed:
            raise ValidationError({"rooms": _("“%(r)s”不是适合本场次的考场类型。") % {"r": room}})
        if room.venue_id not in body_venues:
            raise ValidationError({"rooms": _("“%(r)s”不是本机构的考点。") % {"r": room}})
    offer_ids = {o.pk for o in offers}
    for other in ExamSession.objects.filter(batch=batch).prefetch_related("offers"):
        shared = offer_ids & {o.pk for o in other.offers.all()}
        if shared and _overlaps(starts_at, ends_at, other.starts_at, other.ends_at):
            raise ValidationError({"starts_at": _("与场次“%(s)s”时间重叠，同一考生不能同时参加两场考试。") % {
                "s": other}})
    session = ExamSession.objects.create(batch=batch, kind=kind, starts_at=starts_at, ends_at=ends_at,
                                         duration_minutes=duration_minutes)
    session.offers.set(offers)
    session.rooms.set(rooms)
    audit.record(actor, "scheduling.session.created", target=session, data={
        "batch": batch.pk, "kind": kind, "starts_at": starts_at, "ends_at": ends_at,
        "offers": sorted(offer_ids), "rooms": sorted(r.pk for r in rooms)})
    return session


@transaction.atomic
def batch_transition(*, actor, batch_id: int, target: str) -> Batch:
    batch = Batch.objects.select_for_update(of=("self",)).select_related("announcement").get(pk=batch_id)
    require_scheduler(actor, batch.announcement.body_id, _("您无权变更该批次的状态。"))
    require_transition(BATCH_TRANSITIONS, batch.status, target, labels=dict(BatchStatus.choices))
    if target == BatchStatus.SCHEDULED and not batch.sessions.exists():
        raise ValidationError(_("批次至少应有一个场次。"))
    if target == BatchStatus.TICKETS_ISSUED:
        gaps = ticket_gaps(batch)
        if gaps:
            raise ValidationError(_("还不能标记为已发准考证：%(p)s") % {"p": "；".join(gaps)})
    if target == BatchStatus.IN_PROGRESS:
        first = batch.sessions.order_by("starts_at").first()
        problems = session_may_start(first)
        if problems:
            raise ValidationError(_("首个场次尚未就绪，不能开考（A.1.2）：%(p)s") % {
                "p": "；".join(f"{p.where}：{p.message}" for p in problems[:5])})
    previous = transition(batch, target)
    audit.record(actor, f"scheduling.batch.{target}", target=batch, data={"status": {"old": previous, "new": target}})
    return batch


# --- Seat allocation (§6.2.1) ----------------------------------------------------------------

@dataclass
class AllocationResult:
    assigned: int = 0
    kept: int = 0
    voided_tickets: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def mixed_order(apps: list[Application], seed: int) -> list[Application]:
    """Shuffle each trade × level group with the seed, then deal the groups round robin so that
    neighbouring seats hold candidates of different papers wherever the session has several."""
    rng = random.Random(seed)
    groups: dict[int, list[Application]] = defaultdict(list)
    for app in sorted(apps, key=lambda a: a.pk):
        groups[app.offer_id].append(app)
    queues = []
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        queues.append(members)
    queues.sort(key=len, reverse=True)
    order = []
    while any(queues):
        for q in queues:
            if q:
                order.append(q.pop())
    return order


def _lock_applications(ids) -> None:
    """Row locks on the applications being seated, in a fixed order: two sessions (of two batches) seating
    the same candidate at once wait for each other instead of both reading "not seated yet"."""
    list(Application.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def allocate(*, actor, session_id: int, seed: int = 0, force: bool = False) -> AllocationResult:
    """Seat the session's approved candidates. Seats on valid admission tickets are kept unless
    ``force``: then those seats and tickets are voided and their holders notified. The session and the
    candidates' applications are locked; a candidate who already holds a live seat for the same part in
    another session is skipped, naming that seat (move the seat with ``seat_move`` instead). The partial
    unique constraints (one live candidate per seat, one live seat per application and part) back this."""
    session = ExamSession.objects.select_for_update().get(pk=session_id)
    batch = Batch.objects.select_related("announcement").get(pk=session.batch_id)
    require_scheduler(actor, batch.announcement.body_id, _("您无权为该批次安排座位。"))
    if batch.status not in (BatchStatus.PLANNED, BatchStatus.SCHEDULED, BatchStatus.TICKETS_ISSUED):
        raise ValidationError(_("批次已开考，不能再安排座位。"))
    result = AllocationResult()
    wanted = Application.objects.filter(announcement=batch.announcement, status=ApplicationStatus.APPROVED,
                                        offer__in=session.offers.all()).values_list("pk", flat=True)
    _lock_applications(wanted)
    candidates, elsewhere = seating_pool(session, batch)
    for pk, other in sorted(elsewhere.items()):
        result.skipped.append((pk, _("已有有效座位：%(where)s（同一报名每个考核部分只能有一个有效座位，"
                                     "如需调整请调座）") % {"where": seat_label(other)}))
    ticketed = set(AdmissionTicket.objects.filter(batch=batch, status=TicketStatus.VALID)
                   .values_list("application_id", flat=True))
    current = list(SeatAssignment.objects.filter(session=session).select_related("seat"))
    if force:
        reason = _("座位重新安排")
        on_tickets = ticketed & {a.application_id for a in current}
        result.voided_tickets = _void_tickets(actor, batch, on_tickets, reason)
        SeatAssignment.objects.filter(session=session, application_id__in=on_tickets).update(
            voided_at=timezone.now(), void_reason=reason, voided_by=actor)
        ticketed = set()
    keep = [a for a in current if a.application_id in ticketed and a.application_id in candidates]
    try:
        SeatAssignment.objects.filter(session=session).exclude(pk__in=[a.pk for a in keep]).delete()
    except ProtectedError:  # a sitting already holds the seat: exam day has begun for this session
        raise ValidationError(_("该场次已生成考场记录，座位不能再重新安排。")) from None
    result.kept = len(keep)
    taken = {a.seat_id for a in keep}
    seated = {a.application_id for a in keep}

    busy = _busy_elsewhere(session, [pk for pk in candidates if pk not in seated])
    for pk, reason in busy.items():
        result.skipped.append((pk, reason))
    todo = [a for pk, a in candidates.items() if pk not in seated and pk not in busy]
    seats = list(Seat.objects.filter(room__in=session.rooms.filter(is_emergency=False, is_active=True),
                                     is_active=True).exclude(pk__in=taken)
                 .select_related("room").order_by("room__name", "room_id", "number"))
    if len(todo) > len(seats):
        raise ValidationError(_("座位不足：待安排%(n)d人，可用座位%(s)d个（应急考场不计）。请增加考场。") % {
            "n": len(todo), "s": len(seats)})
    order = mixed_order(todo, seed)
    part = session_part(session)
    SeatAssignment.objects.bulk_create([SeatAssignment(session=session, application=app, seat=seat, part=part)
                                        for app, seat in zip(order, seats, strict=False)])
    result.assigned = len(order)
    audit.record(actor, "scheduling.session.allocated", target=session, data={
        "seed": seed, "force": force, "assigned": result.assigned, "kept": result.kept,
        "voided_tickets": result.voided_tickets, "skipped": [pk for pk, _r in result.skipped]})
    return result


MOVABLE = (BatchStatus.PLANNED, BatchStatus.SCHEDULED, BatchStatus.TICKETS_ISSUED)


@transaction.atomic
def seat_move(*, actor, assignment_id: int, session_id: int, seat_id: int, reason: str) -> SeatAssignment:
    """Move one candidate's live seat, on purpose and with a reason: to another seat or room of the same
    session (the emergency room included), or to a session of the same part in another batch of the
    announcement (re-scheduling). The old seat is voided (kept as history) and so is the candidate's ticket
    of the old batch; where a batch's tickets are already out, the candidate gets a new ticket at once
    (a new number, so the old printout and its QR no longer admit anyone). Audited with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写调座原因。")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("调座原因不能超过200个字。")})
    old = (SeatAssignment.objects.select_for_update(of=("self",)).select_related("session__batch__announcement",
                                                                                  "seat__room", "application")
           .filter(pk=assignment_id).first())
    if old is None:
        raise ValidationError({"assignment": _("该座位不存在或已作废。")})
    old_batch = old.session.batch
    require_scheduler(actor, old_batch.announcement.body_id, _("您无权调整该批次的座位。"))
    _lock_applications([old.application_id])
    target = (ExamSession.objects.select_for_update(of=("self",)).select_related("batch__announcement")
              .filter(pk=session_id, batch__announcement_id=old_batch.announcement_id).first())
    if target is None or PART_OF_SESSION[target.kind] != old.part:
        raise ValidationError({"session": _("目标场次应是本公告同一考核部分（%(part)s）的场次。") % {
            "part": old.get_part_display()}})
    seat = Seat.objects.select_related("room").filter(pk=seat_id, room__in=target.rooms.all()).first()
    if seat is None:
        raise ValidationError({"seat": _("目标座位不属于目标场次的考场。")})
    require_scheduler(actor, target.batch.announcement.body_id, _("您无权调整该批次的座位。"))
    for b in {old_batch, target.batch}:
        if b.status not in MOVABLE:
            raise ValidationError(_("批次“%(b)s”已开考，不能再调整座位。") % {"b": b.name})
    if not target.offers.filter(pk=old.application.offer_id).exists():
        raise ValidationError({"seat": _("目标场次不考该考生报考的工种和等级。")})
    if not (seat.is_active and seat.room.is_active):
        raise ValidationError({"seat": _("目标座位未启用。")})
    if SeatAssignment.history.filter(pk=old.pk, attempt__isnull=False).exists():
        raise ValidationError(_("该考生的考试记录已在考场生成，请在考场监考台处理（如授权更换机位）。"))
    if seat.pk == old.seat_id and target.pk == old.session_id:
        raise ValidationError({"seat": _("目标座位与原座位相同。")})
    holder = SeatAssignment.objects.filter(session=target, seat=seat).select_related("application").first()
    if holder is not None:
        raise ValidationError({"seat": _("目标座位已安排%(name)s。") % {"name": holder.application.full_name}})
    if target.pk != old.session_id:
        busy = _busy_elsewhere(target, [old.application_id], ignore=[old.pk])
        if busy:
            raise ValidationError({"seat": busy[old.application_id]})
    now = timezone.now()
    old.voided_at, old.void_reason, old.voided_by = now, reason, actor
    old.save(update_fields=["voided_at", "void_reason", "voided_by"])
    new = SeatAssignment.objects.create(session=target, application=old.application, seat=seat, part=old.part)
    voided = _void_tickets(actor, old_batch, {old.application_id}, _("调座（%(r)s）") % {"r": reason})
    issued = []
    for b in sorted({old_batch, target.batch}, key=lambda b: b.pk):
        if b.status == BatchStatus.TICKETS_ISSUED and SeatAssignment.objects.filter(
                session__batch=b, application_id=old.application_id).exists():
            issued += _new_tickets(b, {old.application_id})
    audit.record(actor, "scheduling.seat.moved", target=new, data={
        "application": old.application_id, "reason": reason, "from": {"assignment": old.pk, "session": old.session_id,
                                                                      "seat": old.seat_id},
        "to": {"assignment": new.pk, "session": target.pk, "seat": seat.pk},
        "voided_tickets": voided, "new_tickets": [t.number for t in issued]})
    return new


def _busy_elsewhere(session: ExamSession, application_ids: list[int], ignore=()) -> dict[int, str]:
    """Candidates already seated in another session at an overlapping time (another batch, say)."""
    if not application_ids:
        return {}
    candidate_of = dict(Application.objects.filter(pk__in=application_ids).values_list("pk", "candidate_id"))
    clashes = (SeatAssignment.objects.filter(application__candidate_id__in=set(candidate_of.values()))
               .exclude(session=session).exclude(pk__in=list(ignore))
               .filter(Q(session__starts_at__lt=session.ends_at) & Q(session__ends_at__gt=session.starts_at))
               .values_list("application__candidate_id", "session__starts_at"))
    busy_candidates = {cid: at for cid, at in clashes}
    return {pk: _("同一时间已安排在其他场次（%(t)s）") % {"t": timezone.localtime(busy_candidates[cid])
                                                          .strftime("%Y-%m-%d %H:%M")}
            for pk, cid in candidate_of.items() if cid in busy_candidates}


def _void_tickets(actor, batch: Batch, application_ids: set[int], reason: str) -> int:
    tickets = list(AdmissionTicket.objects.select_for_update(of=("self",)).filter(
        batch=batch, application_id__in=application_ids, status=TicketStatus.VALID).select_related(
        "application__candidate"))
    now = timezone.now()
    for t in tickets:
        transition(t, TicketStatus.VOID, voided_at=now, void_reason=reason)
        audit.record(actor, "scheduling.ticket.voided", target=t, data={"reason": reason})
        notify(t.application.candidate, _("准考证已作废，请重新下载"),
               _("因%(reason)s，您的准考证 %(n)s 已作废。新的准考证发放后请重新下载打印。") % {
                   "reason": reason, "n": t.number})
    return len(tickets)


# --- Admission tickets (§6.2.1) -----------------------------------------------------------------

def unseated(batch: Batch) -> list[tuple[ExamSession, int]]:
    """(session, application id) for every candidate a session of the batch should seat and has not
    (candidates holding a live seat for that part elsewhere are not counted: they sit it there)."""
    out = []
    for s in batch.sessions.prefetch_related("offers").order_by("starts_at"):
        wanted, _elsewhere = seating_pool(s, batch)
        have = set(s.assignments.values_list("application_id", flat=True))
        out += [(s, pk) for pk in sorted(set(wanted) - have)]
    return out


def ticket_gaps(batch: Batch) -> list[str]:
    """Why the batch cannot count as "tickets issued": candidates unseated, seated candidates without a
    valid ticket, or no valid ticket at all. Empty when every seated candidate holds one."""
    gaps = []
    missing = unseated(batch)
    if missing:
        gaps.append(_("%(n)d人次未安排座位（如“%(s)s”）") % {"n": len(missing), "s": missing[0][0]})
    seated = set(SeatAssignment.objects.filter(session__batch=batch).values_list("application_id", flat=True))
    holders = set(AdmissionTicket.objects.filter(batch=batch, status=TicketStatus.VALID)
                  .values_list("application_id", flat=True))
    if seated - holders:
        gaps.append(_("%(n)d名已安排座位的考生还没有有效准考证，请发放准考证") % {"n": len(seated - holders)})
    if not holders:
        gaps.append(_("该批次还没有有效的准考证"))
    return gaps


def _new_tickets(batch: Batch, application_ids: set[int]) -> list[AdmissionTicket]:
    """Valid tickets for these candidates of the batch (numbers are never reused), with a notice each."""
    from .tickets import MAX_BATCHES, MAX_TICKETS_PER_BATCH, ticket_number

    body = batch.announcement.body
    first = batch.sessions.order_by("starts_at").first()
    batch_seq = Batch.objects.filter(announcement__body=body, pk__lte=batch.pk).count()
    year = timezone.localtime(first.starts_at).year
    seq = AdmissionTicket.objects.filter(batch=batch).count()
    if batch_seq > MAX_BATCHES or seq + len(application_ids) > MAX_TICKETS_PER_BATCH:
        raise ValidationError(_("准考证号编号已满：每个机构最多%(b)d个批次，每个批次最多%(t)d张准考证（含作废）。"
                                "请将考生分到新的批次。") % {"b": MAX_BATCHES, "t": MAX_TICKETS_PER_BATCH})
    if not body.institution_code:
        raise ValidationError(_("机构尚未登记4位机构代码（§8.1.1），无法编制准考证号。"))
    new = []
    for app in Application.objects.filter(pk__in=application_ids).select_related("candidate").order_by("pk"):
        seq += 1
        new.append(AdmissionTicket(batch=batch, application=app, number=ticket_number(
            year=year, institution_code=body.institution_code, batch_seq=batch_seq, candidate_seq=seq)))
    AdmissionTicket.objects.bulk_create(new)
    for t in new:
        notify(t.application.candidate, _("准考证已发放"),
               _("您的准考证 %(n)s 已发放，请登录考生服务下载打印。") % {"n": t.number})
    return new


@transaction.atomic
def issue_tickets(*, actor, batch_id: int) -> int:
    """Give every seated candidate of a scheduled batch a valid ticket (numbers are never reused; a
    voided ticket's holder gets a new number). Refuses while any candidate still lacks a seat."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("announcement__body").get(pk=batch_id)
    require_scheduler(actor, batch.announcement.body_id, _("您无权为该批次发放准考证。"))
    if batch.status not in (BatchStatus.SCHEDULED, BatchStatus.TICKETS_ISSUED):
        raise ValidationError(_("批次编排完成（已编排）后才能发放准考证。"))
    if not batch.sessions.exists():
        raise ValidationError(_("批次至少应有一个场次。"))
    missing = unseated(batch)
    if missing:
        raise ValidationError(_("还有%(n)d人次未安排座位（如“%(s)s”），请先安排座位。") % {
            "n": len(missing), "s": missing[0][0]})
    seated_ids = set(SeatAssignment.objects.filter(session__batch=batch).values_list("application_id", flat=True))
    if not seated_ids:
        raise ValidationError(_("该批次没有已安排座位的考生，无需发放准考证。"))
    holders = set(AdmissionTicket.objects.filter(batch=batch, status=TicketStatus.VALID)
                  .values_list("application_id", flat=True))
    new = _new_tickets(batch, seated_ids - holders)
    if batch.status == BatchStatus.SCHEDULED:
        transition(batch, BatchStatus.TICKETS_ISSUED)
    audit.record(actor, "scheduling.tickets.issued", target=batch, data={
        "issued": len(new), "first": new[0].number if new else None, "last": new[-1].number if new else None})
    return len(new)


@transaction.atomic
def tickets_render_start(*, actor, batch_id: int):
    """Queue the rendering of every valid ticket of the batch, one merged PDF per room (a Job)."""
    from skillcert.core.jobs import job_start

    from .tasks import render_tickets_task

    batch = Batch.objects.select_related("announcement").get(pk=batch_id)
    require_scheduler(actor, batch.announcement.body_id, _("您无权为该批次打印准考证。"))
    if not AdmissionTicket.objects.filter(batch=batch, status=TicketStatus.VALID).exists():
        raise ValidationError(_("该批次还没有有效的准考证，请先发放准考证。"))
    return job_start(actor=actor, kind="tickets", label=_("打印准考证：%(b)s") % {"b": batch.name},
                     org_id=batch.announcement.body_id, task=render_tickets_task, params={"batch_id": batch.pk})
