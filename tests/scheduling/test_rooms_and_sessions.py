"""Rooms (§6.2.2.2, §6.2.2.3), venue facilities (§6.2.2.4, §6.2.2.5), batches and sessions (§6.2.1, §6.5.1)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from skillcert.accounts.enums import Role
from skillcert.core.errors import IllegalTransition
from skillcert.core.models import AuditEntry
from skillcert.scheduling import checks, services
from skillcert.scheduling.enums import BatchStatus
from tests.factories import user_with_role

from .conftest import at, theory_room

pytestmark = pytest.mark.django_db


def test_a_theory_room_holds_at_most_30_single_desks_80cm_apart(reg):
    with pytest.raises(ValidationError) as exc:
        theory_room(reg, capacity=31, single_desks=False, spacing_cm=60)
    errors = exc.value.message_dict
    assert "每个理论考场考生不超过30名（§6.2.2.2），当前为31。" in errors["capacity"]
    assert "理论考场应单人单桌（§6.2.2.2）。" in errors["single_desks"]
    assert "前后左右间距应保持80厘米以上（§6.2.2.2），当前为60厘米。" in errors["spacing_cm"]
    room = theory_room(reg, capacity=30)
    assert room.seats.count() == 30 and room.seats.get(number=7).row == 2
    assert AuditEntry.objects.filter(action="scheduling.room.created", target_id=str(room.pk)).exists()


def test_the_limit_holds_when_a_room_is_edited_too(reg):
    room = theory_room(reg, capacity=24)
    with pytest.raises(ValidationError):
        services.room_save(actor=reg.officer, venue=reg.world.venue, room_id=room.pk, capacity=40)
    room.refresh_from_db()
    assert room.capacity == 24 and room.seats.count() == 24


def test_a_practical_room_has_workstations_and_a_checklist(reg):
    room = services.room_save(actor=reg.officer, venue=reg.world.venue, name="实操1", kind="practical", capacity=3,
                              columns=3, single_desks=True, spacing_cm=0, safety_officer="王安全",
                              checks={"equipment_inspected": True, "warning_line": True},
                              workstations=["GW-01", "GW-02", "GW-03"])
    assert list(room.seats.values_list("workstation", flat=True)) == ["GW-01", "GW-02", "GW-03"]
    with pytest.raises(ValidationError) as exc:
        services.room_save(actor=reg.officer, venue=reg.world.venue, name="实操2", kind="practical", capacity=2,
                           checks={"fire": True})
    assert "未知的检查项" in exc.value.message_dict["checks"][0]


def test_venue_facilities_and_support_staff(reg):
    venue = reg.world.venue
    assert "应急考场" in checks.missing_facilities(venue)
    services.venue_profile_save(actor=reg.officer, venue=venue, facilities={
        "exam_office": True, "emergency_room": True, "secure_room": True, "medical_room": True,
        "monitoring_room": True, "belongings_storage": True}, support_staff={"medical": 1, "security": 2})
    assert checks.missing_facilities(venue) == []
    with pytest.raises(ValidationError):
        services.venue_profile_save(actor=reg.officer, venue=venue, facilities={"pool": True}, support_staff={})


def test_only_the_bodys_staff_manage_its_rooms(reg):
    stranger = user_with_role(Role.EXAM_AFFAIRS, reg.world.other_body)
    with pytest.raises(PermissionDenied):
        services.room_save(actor=stranger, venue=reg.world.venue, name="X", kind="theory", capacity=10)


def test_sessions_sharing_an_offer_may_not_overlap(reg):
    batch = services.batch_create(actor=reg.officer, announcement=reg.announcement, name="第一批")
    room = theory_room(reg)
    monitor4 = reg.offers[("碳排放监测员", 4)]
    services.session_add(actor=reg.officer, batch_id=batch.pk, kind="theory_computer", starts_at=at(10, 9),
                         ends_at=at(10, 11), duration_minutes=90, offers=[monitor4], rooms=[room])
    with pytest.raises(ValidationError) as exc:
        services.session_add(actor=reg.officer, batch_id=batch.pk, kind="theory_computer", starts_at=at(10, 10),
                             ends_at=at(10, 12), duration_minutes=90, offers=[monitor4], rooms=[room])
    assert "时间重叠" in exc.value.message_dict["starts_at"][0]
    other = reg.offers[("碳排放核算员", 4)]  # another paper may run at the same time
    services.session_add(actor=reg.officer, batch_id=batch.pk, kind="theory_computer", starts_at=at(10, 10),
                         ends_at=at(10, 12), duration_minutes=90, offers=[other], rooms=[room])


def test_session_rules_room_kind_duration_and_review_levels(reg):
    batch = services.batch_create(actor=reg.officer, announcement=reg.announcement, name="第一批")
    computer = theory_room(reg)
    offer = reg.offers[("碳排放监测员", 4)]
    with pytest.raises(ValidationError) as exc:
        services.session_add(actor=reg.officer, batch_id=batch.pk, kind="practical", starts_at=at(10, 9),
                             ends_at=at(10, 11), duration_minutes=90, offers=[offer], rooms=[computer])
    assert "不是适合本场次的考场类型" in exc.value.message_dict["rooms"][0]
    with pytest.raises(ValidationError) as exc:
        services.session_add(actor=reg.officer, batch_id=batch.pk, kind="theory_computer", starts_at=at(10, 9),
                             ends_at=at(10, 10), duration_minutes=90, offers=[offer], rooms=[computer])
    assert "duration_minutes" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.session_add(actor=reg.officer, batch_id=batch.pk, kind="review", starts_at=at(10, 9),
                             ends_at=at(10, 11), duration_minutes=90, offers=[offer], rooms=[computer])
    assert "综合评审只适用于技师和高级技师" in exc.value.message_dict["offers"][0]


def test_batch_lifecycle_is_audited_and_illegal_moves_change_nothing(reg):
    batch = services.batch_create(actor=reg.officer, announcement=reg.announcement, name="第一批")
    with pytest.raises(ValidationError):
        services.batch_transition(actor=reg.officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)  # no session
    services.session_add(actor=reg.officer, batch_id=batch.pk, kind="theory_computer", starts_at=at(10, 9),
                         ends_at=at(10, 11), duration_minutes=90, offers=[reg.offers[("碳排放监测员", 4)]],
                         rooms=[theory_room(reg)])
    services.batch_transition(actor=reg.officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    with pytest.raises(IllegalTransition):
        services.batch_transition(actor=reg.officer, batch_id=batch.pk, target=BatchStatus.FINISHED)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SCHEDULED
    assert AuditEntry.objects.filter(action="scheduling.batch.scheduled", target_id=str(batch.pk)).exists()
