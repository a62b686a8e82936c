"""Seat allocation (§6.2.1, §6.2.2.2, §6.2.2.5): capacity, one seat each, emergency room free, mixed
neighbours, deterministic, issued tickets kept unless forced, and no double booking under concurrency."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from skillcert.core.models import Notification
from skillcert.scheduling import services
from skillcert.scheduling.models import AdmissionTicket, SeatAssignment, TicketStatus
from tests.conftest import need_postgres

from .conftest import approve_imported, at, theory_room

pytestmark = pytest.mark.django_db


def session_for(reg, rooms, offers=None, hour=9, days=10, kind="theory_computer"):
    batch = services.batch_create(actor=reg.officer, announcement=reg.announcement, name=f"批次{hour}")
    offers = offers or [reg.offers[("碳排放监测员", 4)], reg.offers[("碳排放核算员", 4)]]
    return services.session_add(actor=reg.officer, batch_id=batch.pk, kind=kind,
                                starts_at=at(days, hour), ends_at=at(days, hour + 2), duration_minutes=90,
                                offers=offers, rooms=rooms)


def layout(session):
    return [(a.seat.room.name, a.seat.number, a.application_id)
            for a in SeatAssignment.objects.filter(session=session).select_related("seat__room")]


def test_capacity_one_seat_each_and_the_emergency_room_stays_empty(reg):
    approve_imported(reg, 40)
    rooms = [theory_room(reg, "第1考场", 30), theory_room(reg, "第2考场", 30),
             theory_room(reg, "应急考场", 10, is_emergency=True)]
    session = session_for(reg, rooms)
    result = services.allocate(actor=reg.officer, session_id=session.pk, seed=7)
    assert result.assigned == 40
    seats = SeatAssignment.objects.filter(session=session)
    assert seats.count() == 40 and seats.values("seat").distinct().count() == 40
    assert not seats.filter(seat__room__is_emergency=True).exists()
    assert seats.filter(seat__room__name="第1考场").count() == 30


def test_too_few_seats_is_refused_with_the_numbers_and_writes_nothing(reg):
    approve_imported(reg, 12)
    session = session_for(reg, [theory_room(reg, "小考场", 10)])
    with pytest.raises(ValidationError, match="待安排12人，可用座位10个"):
        services.allocate(actor=reg.officer, session_id=session.pk)
    assert not SeatAssignment.objects.exists()


def test_neighbours_sit_different_papers_and_the_seed_decides_the_layout(reg):
    approve_imported(reg, 20)
    session = session_for(reg, [theory_room(reg, "第1考场", 30)])
    services.allocate(actor=reg.officer, session_id=session.pk, seed=1)
    first = layout(session)
    offers = dict(SeatAssignment.objects.filter(session=session).values_list("seat__number", "application__offer"))
    assert all(offers[n] != offers[n + 1] for n in range(1, 20)), "adjacent seats hold different papers"
    services.allocate(actor=reg.officer, session_id=session.pk, seed=1)
    assert layout(session) == first
    services.allocate(actor=reg.officer, session_id=session.pk, seed=2)
    assert layout(session) != first


def test_reallocation_keeps_seats_on_issued_tickets_unless_forced(reg):
    ids = approve_imported(reg, 10)
    session = session_for(reg, [theory_room(reg, "第1考场", 30)])
    services.allocate(actor=reg.officer, session_id=session.pk, seed=1)
    holder = ids[3]
    seat_before = SeatAssignment.objects.get(session=session, application_id=holder).seat_id
    ticket = AdmissionTicket.objects.create(batch=session.batch, application_id=holder, number="T0001")
    services.allocate(actor=reg.officer, session_id=session.pk, seed=99)
    assert SeatAssignment.objects.get(session=session, application_id=holder).seat_id == seat_before
    result = services.allocate(actor=reg.officer, session_id=session.pk, seed=99, force=True)
    ticket.refresh_from_db()
    assert result.voided_tickets == 1 and ticket.status == TicketStatus.VOID
    assert Notification.objects.filter(user=ticket.application.candidate, subject__contains="准考证已作废").exists()


def test_a_candidate_is_not_seated_in_two_sessions_at_once(reg):
    approve_imported(reg, 4, trades=("碳排放监测员",))
    monitor = [reg.offers[("碳排放监测员", 4)]]
    first = session_for(reg, [theory_room(reg, "第1考场", 10)], offers=monitor, hour=9)
    services.allocate(actor=reg.officer, session_id=first.pk)
    workshop = services.room_save(actor=reg.officer, venue=reg.world.venue, name="实操室", kind="practical",
                                  capacity=10, columns=5)
    clash = session_for(reg, [workshop], offers=monitor, hour=10, kind="practical")  # another batch, other part
    result = services.allocate(actor=reg.officer, session_id=clash.pk)
    assert result.assigned == 0 and len(result.skipped) == 4
    assert "同一时间已安排在其他场次" in result.skipped[0][1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_allocations_never_double_book_a_seat(world):
    """Two officers allocate the same session at the same moment (PostgreSQL, real row locks)."""
    need_postgres()
    from tests.factories import build_registration

    reg = build_registration(world)
    approve_imported(reg, 50)
    session = session_for(reg, [theory_room(reg, "第1考场", 30), theory_room(reg, "第2考场", 30)])
    barrier, errors = threading.Barrier(2), []

    def run(seed):
        try:
            barrier.wait()
            services.allocate(actor=reg.officer, session_id=session.pk, seed=seed)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seats = SeatAssignment.objects.filter(session=session)
    assert seats.count() == 50
    assert seats.values("seat").distinct().count() == 50
    assert seats.values("application").distinct().count() == 50
