"""One live seat per application and part (issue #20 item 8, §6.2.1, §6.5.1): a second batch does not seat
a candidate who already holds a seat for the same part, naming that seat; the database refuses it too; a
seat moves only on purpose, with a reason, through ``seat_move`` — the old seat and ticket are voided, the
old ticket then fails at the exam log-in and at check-in by its QR, and the portal shows it as void."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from skillcert.accounts.enums import Role
from skillcert.core.models import AuditEntry, Notification
from skillcert.scheduling import services
from skillcert.scheduling.enums import BatchStatus
from skillcert.scheduling.models import AdmissionTicket, SeatAssignment, TicketStatus
from tests.factories import user_with_role

from .conftest import at, sitting, theory_room

pytestmark = pytest.mark.django_db


def second_batch(reg, rooms, *, kind="theory_computer", days=20):
    batch = services.batch_create(actor=reg.officer, announcement=reg.announcement, name="2026年第二批")
    session = services.session_add(actor=reg.officer, batch_id=batch.pk, kind=kind, starts_at=at(days, 9),
                                   ends_at=at(days, 11), duration_minutes=90, offers=list(reg.offers.values()),
                                   rooms=rooms)
    return batch, session


def test_a_second_batch_does_not_seat_the_same_application_for_the_same_part_and_names_the_seat(reg):
    s = sitting(reg, 4)
    batch2, theory2 = second_batch(reg, [theory_room(reg, "第2考场", 10)])
    result = services.allocate(actor=reg.officer, session_id=theory2.pk)
    assert result.assigned == 0 and len(result.skipped) == 4
    first = SeatAssignment.objects.get(session=s.theory, application_id=result.skipped[0][0])
    reason = result.skipped[0][1]
    assert "2026年第一批" in reason and "第1考场" in reason and f"{first.seat.number:02d}号座" in reason
    assert not SeatAssignment.objects.filter(session=theory2).exists()
    # Nobody is left "unseated" in the second batch: they sit the part in the first one.
    services.batch_transition(actor=reg.officer, batch_id=batch2.pk, target=BatchStatus.SCHEDULED)
    with pytest.raises(ValidationError, match="没有已安排座位的考生"):
        services.issue_tickets(actor=reg.officer, batch_id=batch2.pk)
    # The database refuses a second live seat for the same part even past the service.
    seat = theory2.rooms.get().seats.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatAssignment.objects.create(session=theory2, application_id=first.application_id, seat=seat)


def test_the_other_part_can_be_sat_in_another_batch(reg):
    """§6.5.1: a candidate may sit the theory in one batch and the practical in another."""
    s = sitting(reg, 2)
    practical2 = services.room_save(actor=reg.officer, venue=reg.world.venue, name="实操二室", kind="practical",
                                    capacity=6, columns=3)
    _batch2, theory2 = second_batch(reg, [theory_room(reg, "第2考场", 10)])
    assert services.allocate(actor=reg.officer, session_id=theory2.pk).assigned == 0
    app_id = SeatAssignment.objects.filter(session=s.practical).first().application_id
    assert SeatAssignment.objects.filter(application_id=app_id).count() == 2  # theory + practical, one each
    assert {a.part for a in SeatAssignment.objects.filter(application_id=app_id)} == {"theory", "practical"}
    assert practical2.seats.count() == 6


def test_a_move_voids_the_old_seat_and_ticket_and_issues_a_new_one(reg):
    s = sitting(reg, 4)
    old = SeatAssignment.objects.filter(session=s.theory).select_related("application").first()
    old_ticket = AdmissionTicket.objects.get(batch=s.batch, application=old.application, status=TicketStatus.VALID)
    spare_seat = s.spare.seats.get(number=1)
    new = services.seat_move(actor=reg.officer, assignment_id=old.pk, session_id=s.theory.pk,
                             seat_id=spare_seat.pk, reason="原座位电脑故障，调至应急考场")
    old.refresh_from_db()
    old_ticket.refresh_from_db()
    assert new.seat == spare_seat and new.is_live and new.part == "theory"
    assert not old.is_live and old.void_reason == "原座位电脑故障，调至应急考场" and old.voided_by == reg.officer
    assert SeatAssignment.objects.filter(session=s.theory, application=old.application).get() == new
    assert SeatAssignment.history.filter(application=old.application, part="theory").count() == 2
    assert old_ticket.status == TicketStatus.VOID and "调座" in old_ticket.void_reason
    fresh = AdmissionTicket.objects.get(batch=s.batch, application=old.application, status=TicketStatus.VALID)
    assert fresh.number != old_ticket.number
    entry = AuditEntry.objects.filter(action="scheduling.seat.moved").get()
    assert entry.data["reason"] == "原座位电脑故障，调至应急考场" and entry.data["new_tickets"] == [fresh.number]
    assert Notification.objects.filter(user=old.application.candidate, subject__contains="准考证已作废").exists()
    # The seat freed by the move can be given to someone else; the spare seat cannot.
    other = SeatAssignment.objects.filter(session=s.theory).exclude(application=old.application).first()
    with pytest.raises(ValidationError, match="目标座位已安排"):
        services.seat_move(actor=reg.officer, assignment_id=other.pk, session_id=s.theory.pk,
                           seat_id=spare_seat.pk, reason="调整")
    services.seat_move(actor=reg.officer, assignment_id=other.pk, session_id=s.theory.pk, seat_id=old.seat_id,
                       reason="靠近讲台")


def test_a_move_to_another_batch_reissues_the_old_batchs_ticket_for_the_part_left_there(reg):
    s = sitting(reg, 2)
    batch2, theory2 = second_batch(reg, [theory_room(reg, "第2考场", 10)])
    old = SeatAssignment.objects.filter(session=s.theory).first()
    first_ticket = AdmissionTicket.objects.get(batch=s.batch, application_id=old.application_id, status="valid")
    services.seat_move(actor=reg.officer, assignment_id=old.pk, session_id=theory2.pk,
                       seat_id=theory2.rooms.get().seats.get(number=3).pk, reason="考生申请改期（单位出差）")
    first_ticket.refresh_from_db()
    assert first_ticket.status == TicketStatus.VOID
    # Still seated for the practical in the first batch (tickets out there): a new ticket at once.
    again = AdmissionTicket.objects.get(batch=s.batch, application_id=old.application_id, status="valid")
    assert again.number != first_ticket.number
    # The second batch has not issued tickets yet: the ticket comes with issue_tickets.
    assert not AdmissionTicket.objects.filter(batch=batch2).exists()
    services.batch_transition(actor=reg.officer, batch_id=batch2.pk, target=BatchStatus.SCHEDULED)
    assert services.issue_tickets(actor=reg.officer, batch_id=batch2.pk) == 1


def test_a_move_is_refused_without_a_reason_across_parts_or_for_someone_else(reg):
    s = sitting(reg, 2)
    old = SeatAssignment.objects.filter(session=s.theory).first()
    free = s.spare.seats.get(number=2)
    for reason in ("", "   "):
        with pytest.raises(ValidationError, match="调座原因"):
            services.seat_move(actor=reg.officer, assignment_id=old.pk, session_id=s.theory.pk, seat_id=free.pk,
                               reason=reason)
    with pytest.raises(ValidationError, match="同一考核部分"):
        services.seat_move(actor=reg.officer, assignment_id=old.pk, session_id=s.practical.pk,
                           seat_id=s.prac_room.seats.last().pk, reason="调整")
    with pytest.raises(ValidationError, match="不属于目标场次"):
        services.seat_move(actor=reg.officer, assignment_id=old.pk, session_id=s.theory.pk,
                           seat_id=s.prac_room.seats.last().pk, reason="调整")
    proctor = user_with_role(Role.PROCTOR, reg.world.venue, username="p1", full_name="监考甲")
    outsider = user_with_role(Role.EXAM_AFFAIRS, reg.world.other_body, username="o1", full_name="外机构考务")
    for who in (proctor, outsider):
        with pytest.raises(PermissionDenied):
            services.seat_move(actor=who, assignment_id=old.pk, session_id=s.theory.pk, seat_id=free.pk,
                               reason="调整")
    assert SeatAssignment.objects.get(pk=old.pk).is_live
    assert not AuditEntry.objects.filter(action="scheduling.seat.moved").exists()


def test_forced_reallocation_voids_ticketed_seats_instead_of_deleting_them(reg):
    s = sitting(reg, 3)
    before = set(SeatAssignment.objects.filter(session=s.theory).values_list("pk", flat=True))
    result = services.allocate(actor=reg.officer, session_id=s.theory.pk, seed=99, force=True)
    assert result.voided_tickets == 3 and result.assigned == 3
    kept = SeatAssignment.history.filter(pk__in=before)
    assert kept.count() == 3 and all(a.void_reason == "座位重新安排" for a in kept)
    assert SeatAssignment.objects.filter(session=s.theory).count() == 3


def test_tickets_issued_cannot_be_set_without_tickets(reg):
    """Issue #20 item 13: scheduled → tickets_issued refuses with no tickets or candidates lacking one."""
    s = sitting(reg, 3, tickets=False)
    with pytest.raises(ValidationError, match="还没有有效准考证"):
        services.batch_transition(actor=reg.officer, batch_id=s.batch.pk, target=BatchStatus.TICKETS_ISSUED)
    s.batch.refresh_from_db()
    assert s.batch.status == BatchStatus.SCHEDULED
    services.issue_tickets(actor=reg.officer, batch_id=s.batch.pk)
    s.batch.refresh_from_db()
    assert s.batch.status == BatchStatus.TICKETS_ISSUED
    assert services.ticket_gaps(s.batch) == []


def test_a_voided_ticket_fails_at_check_in_by_qr_and_at_the_exam_log_in_and_shows_void_on_the_portal(reg, client):
    from skillcert.delivery import services as delivery
    from skillcert.scheduling import staffing
    from skillcert.scheduling.enums import StaffRole
    from skillcert.scheduling.tickets import TicketClaim, sign_ticket

    s = sitting(reg, 2)
    old = SeatAssignment.objects.filter(session=s.theory).select_related("application").first()
    app = old.application
    old_ticket = AdmissionTicket.objects.get(batch=s.batch, application=app, status=TicketStatus.VALID)
    old_qr = sign_ticket(TicketClaim(old_ticket.number, s.batch.pk, app.pk, app.id_number[-4:]))
    services.seat_move(actor=reg.officer, assignment_id=old.pk, session_id=s.theory.pk,
                       seat_id=s.spare.seats.get(number=1).pk, reason="原座位电脑故障")
    fresh = AdmissionTicket.objects.get(batch=s.batch, application=app, status=TicketStatus.VALID)
    chief = user_with_role(Role.CHIEF_EXAMINER, reg.world.venue, username="chief", full_name="王主考")
    staffing.staff_assign(actor=reg.officer, session_id=s.theory.pk, user=chief, role=StaffRole.CHIEF,
                          venue=reg.world.venue)
    sittings = {x.room_id: x for x in delivery.sittings_ensure(actor=reg.officer, session=s.theory)}
    spare = sittings[s.spare.pk]
    assert [a.ticket_id for a in spare.attempts.all()] == [fresh.pk]
    for sitting_ in sittings.values():
        with pytest.raises(ValidationError, match="不在本考场名单中"):
            delivery.check_in(actor=chief, sitting_id=sitting_.pk, ticket=old_qr)
        with pytest.raises(ValidationError, match="不正确"):
            delivery.attempt_login(ticket_number=old_ticket.number, id_number=app.id_number, room_code=sitting_.code)
    assert delivery.check_in(actor=chief, sitting_id=spare.pk, ticket=fresh.number).ticket == fresh
    # The portal lists the valid ticket to download and the voided one as void, with the reason.
    client.force_login(app.candidate)
    page = client.get("/portal/").content.decode()
    assert fresh.number in page and old_ticket.number in page and "已作废" in page and "原座位电脑故障" in page
    assert client.get(f"/portal/tickets/{old_ticket.pk}.pdf").status_code == 404
