import datetime as dt

import pytest
from django.utils import timezone

from skillcert.registration.applications import application_bulk_approve
from skillcert.registration.imports import import_applications
from skillcert.scheduling import services
from tests.factories import build_registration
from tests.registration.test_import import row, xlsx


def approve_imported(reg, n: int, *, start: int = 1, trades=("碳排放监测员", "碳排放核算员"), extra=None):
    """n approved applications, alternating trades at 中级, through the real import and bulk approval.
    ``extra(i)``: more columns for row ``i`` (another level, a prior certificate)."""
    rows = [row(start + i, **({"报考工种*": trades[i % len(trades)]} | (extra(i) if extra else {})))
            for i in range(n)]
    result = import_applications(actor=reg.officer, announcement_id=reg.announcement.pk, data=xlsx(rows),
                                 file_name="list.xlsx")
    assert result.ok, result.errors[:3]
    ids = list(result.batch.applications.values_list("pk", flat=True))
    application_bulk_approve(actor=reg.officer, announcement_id=reg.announcement.pk, application_ids=ids)
    return ids


def theory_room(reg, name="第1考场", capacity=30, **kw):
    args = dict(name=name, kind="computer", capacity=capacity, columns=6, single_desks=True, spacing_cm=90)
    return services.room_save(actor=reg.officer, venue=reg.world.venue, **(args | kw))


def at(days: int, hour: int) -> dt.datetime:
    base = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=days)
    return base.replace(hour=hour)


@pytest.fixture
def reg(world):
    return build_registration(world)


def sitting(reg, n: int = 6, *, tickets: bool = True):
    """A batch ready to staff: a complete venue, a computer room (+ an emergency room) and a practical
    room, a computer-based theory session and a practical session, everyone seated and ticketed."""
    from types import SimpleNamespace

    from skillcert.scheduling.enums import FACILITIES, PRACTICAL_CHECKS, SUPPORT_STAFF, BatchStatus

    approve_imported(reg, n)
    venue = reg.world.venue
    services.venue_profile_save(actor=reg.officer, venue=venue, facilities=dict.fromkeys(FACILITIES, True),
                                support_staff=dict.fromkeys(SUPPORT_STAFF, 1))
    computer = theory_room(reg, "第1考场", capacity=max(n, 6), columns=3, location="1号楼301")
    spare = theory_room(reg, "应急考场", capacity=6, is_emergency=True)
    practical = services.room_save(actor=reg.officer, venue=venue, name="实操室", kind="practical",
                                   capacity=max(n, 6), columns=3, checks=dict.fromkeys(PRACTICAL_CHECKS, True),
                                   safety_officer="安全员甲",
                                   workstations=[f"W{i:02d}" for i in range(1, max(n, 6) + 1)])
    batch = services.batch_create(actor=reg.officer, announcement=reg.announcement, name="2026年第一批")
    offers = list(reg.offers.values())
    theory = services.session_add(actor=reg.officer, batch_id=batch.pk, kind="theory_computer", starts_at=at(10, 9),
                                  ends_at=at(10, 11), duration_minutes=90, offers=offers, rooms=[computer, spare])
    prac = services.session_add(actor=reg.officer, batch_id=batch.pk, kind="practical", starts_at=at(10, 14),
                                ends_at=at(10, 17), duration_minutes=120, offers=offers, rooms=[practical])
    services.batch_transition(actor=reg.officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    services.allocate(actor=reg.officer, session_id=theory.pk, seed=7)
    services.allocate(actor=reg.officer, session_id=prac.pk, seed=7)
    if tickets:
        services.issue_tickets(actor=reg.officer, batch_id=batch.pk)
    batch.refresh_from_db()
    return SimpleNamespace(batch=batch, theory=theory, practical=prac, computer=computer, spare=spare,
                           prac_room=practical, venue=venue)
