"""Staffing (§6.4.1), conflicts of interest, the readiness report and the room sign-off gate (A.1.2)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from skillcert.accounts.enums import Role
from skillcert.core.models import AuditEntry
from skillcert.scheduling import staffing
from skillcert.scheduling.enums import ROOM_SIGNOFF_ITEMS, ConflictKind, StaffRole
from skillcert.scheduling.models import StaffAssignment
from tests.factories import user_with_role

from .conftest import sitting

pytestmark = pytest.mark.django_db


def person(role, org, name):
    return user_with_role(role, org, full_name=name)


def assign(reg, s, user, role, room=None, session=None):
    return staffing.staff_assign(actor=reg.officer, session_id=(session or s.theory).pk, user=user, role=role,
                                 venue=s.venue, room=room)


def staff_fully(reg, s):
    """A complete, valid staffing of both sessions; returns the chief."""
    v = s.venue
    chief = person(Role.CHIEF_EXAMINER, v, "主考甲")
    supervisor = person(Role.INTERNAL_SUPERVISOR, reg.world.body, "督导甲")  # the body's own (§6.4.1.1)
    for session in (s.theory, s.practical):
        assign(reg, s, chief, StaffRole.CHIEF, session=session)
        assign(reg, s, person(Role.INSPECTOR, v, f"巡考{session.pk}"), StaffRole.INSPECTOR, session=session)
        assign(reg, s, supervisor, StaffRole.SUPERVISOR, session=session)
    for i in range(2):
        assign(reg, s, person(Role.PROCTOR, v, f"监考{i}"), StaffRole.PROCTOR, room=s.computer)
    assign(reg, s, person(Role.EXAMINER_LEADER, v, "组长"), StaffRole.EXAMINER_LEADER, room=s.prac_room,
           session=s.practical)
    for i in range(2):
        assign(reg, s, person(Role.EXAMINER, v, f"考评{i}"), StaffRole.EXAMINER, room=s.prac_room,
               session=s.practical)
    return chief


def test_posts_follow_the_rules_of_6_4_1(reg):
    s = sitting(reg, tickets=False)
    v = s.venue
    chief = person(Role.CHIEF_EXAMINER, v, "主考甲")
    assign(reg, s, chief, StaffRole.CHIEF)
    with pytest.raises(ValidationError, match="每个考点设主考1人"):
        assign(reg, s, person(Role.CHIEF_EXAMINER, v, "主考乙"), StaffRole.CHIEF)
    proctor = person(Role.PROCTOR, v, "监考甲")
    with pytest.raises(ValidationError, match="须安排到具体考场"):
        assign(reg, s, proctor, StaffRole.PROCTOR)
    with pytest.raises(ValidationError, match="实际操作考场由考评人员考评"):
        assign(reg, s, proctor, StaffRole.PROCTOR, room=s.prac_room, session=s.practical)
    with pytest.raises(ValidationError, match="理论考场应安排监考人员"):
        assign(reg, s, person(Role.EXAMINER, v, "考评甲"), StaffRole.EXAMINER, room=s.computer)
    with pytest.raises(ValidationError, match="未被授予"):
        assign(reg, s, person(Role.INSPECTOR, v, "巡考甲"), StaffRole.PROCTOR, room=s.computer)
    other_venue_proctor = person(Role.PROCTOR, reg.world.other_venue, "外机构监考")
    with pytest.raises(ValidationError, match="未被授予"):
        assign(reg, s, other_venue_proctor, StaffRole.PROCTOR, room=s.computer)
    leader = person(Role.EXAMINER_LEADER, v, "组长甲")
    assign(reg, s, leader, StaffRole.EXAMINER_LEADER, room=s.prac_room, session=s.practical)
    with pytest.raises(ValidationError, match="已有考评组长"):
        assign(reg, s, person(Role.EXAMINER_LEADER, v, "组长乙"), StaffRole.EXAMINER_LEADER, room=s.prac_room,
               session=s.practical)
    assert StaffAssignment.objects.count() == 2
    assert AuditEntry.objects.filter(action="scheduling.staff.assigned").count() == 2


def test_nobody_is_in_two_places_at_once(reg):
    s = sitting(reg, tickets=False)
    proctor = person(Role.PROCTOR, s.venue, "监考甲")
    assign(reg, s, proctor, StaffRole.PROCTOR, room=s.computer)
    with pytest.raises(ValidationError, match="同一场次只能承担一个岗位"):
        assign(reg, s, proctor, StaffRole.PROCTOR, room=s.spare)
    # A session of another batch at an overlapping time.
    from skillcert.scheduling import services

    other = services.batch_create(actor=reg.officer, announcement=reg.announcement, name="并行批次")
    clash = services.session_add(actor=reg.officer, batch_id=other.pk, kind="theory_computer",
                                 starts_at=s.theory.starts_at, ends_at=s.theory.ends_at, duration_minutes=60,
                                 offers=list(reg.offers.values()), rooms=[s.spare])
    with pytest.raises(ValidationError, match="不能同时在两处工作"):
        staffing.staff_assign(actor=reg.officer, session_id=clash.pk, user=proctor, role=StaffRole.PROCTOR,
                              venue=s.venue, room=s.spare)


def test_declared_conflicts_keep_staff_out_of_the_room(reg):
    s = sitting(reg, tickets=False)
    seated = s.theory.assignments.select_related("application").first().application
    relative_of = person(Role.PROCTOR, s.venue, "监考亲属")
    staffing.conflict_declare(actor=reg.officer, staff=relative_of, kind=ConflictKind.RELATIVE,
                              id_number=seated.id_number.lower())
    with pytest.raises(ValidationError, match=f"须回避.*{seated.full_name}（近亲属）"):
        assign(reg, s, relative_of, StaffRole.PROCTOR, room=s.computer)
    colleague = person(Role.PROCTOR, s.venue, "监考同事")
    seated.employer = "青岛某热电有限公司"
    seated.save(update_fields=["employer"])
    staffing.staff_profile_save(actor=reg.officer, user=colleague, employer="青岛某热电 有限公司")
    with pytest.raises(ValidationError, match="同一工作单位"):
        assign(reg, s, colleague, StaffRole.PROCTOR, room=s.computer)
    assign(reg, s, colleague, StaffRole.PROCTOR, room=s.spare)  # nobody from that employer sits there
    with pytest.raises(ValidationError, match="须填写考生的证件号码"):
        staffing.conflict_declare(actor=reg.officer, staff=colleague, kind=ConflictKind.RELATIVE)
    stranger = person(Role.PROCTOR, reg.world.other_venue, "外机构")
    with pytest.raises(PermissionDenied):
        staffing.conflict_declare(actor=stranger, staff=colleague, kind=ConflictKind.SAME_EMPLOYER, employer="x")


def test_readiness_lists_every_violation_until_the_sitting_is_ready(reg):
    s = sitting(reg)
    messages = " ".join(p.message for p in staffing.readiness(s.batch))
    for text in ("未安排主考", "未安排巡考人员", "未指派质量督导人员", "监考人员0名，每个理论考场至少2名",
                 "考评人员0名，至少需要3名", "未设考评组长", "尚未经主考检查验收签字"):
        assert text in messages
    chief = staff_fully(reg, s)
    left = staffing.readiness(s.batch)
    assert {p.message for p in left} == {"考场尚未经主考检查验收签字（A.1.2）。"}
    with pytest.raises(ValidationError, match="以下项目未确认"):
        staffing.room_sign_off(actor=chief, session_id=s.theory.pk, room_id=s.computer.pk,
                               items={"inspected_sealed": True})
    with pytest.raises(PermissionDenied):
        staffing.room_sign_off(actor=reg.officer, session_id=s.theory.pk, room_id=s.computer.pk,
                               items=dict.fromkeys(ROOM_SIGNOFF_ITEMS, True))
    assert staffing.session_may_start(s.theory)
    from skillcert.scheduling import services

    with pytest.raises(ValidationError, match="首个场次尚未就绪"):
        services.batch_transition(actor=reg.officer, batch_id=s.batch.pk, target="in_progress")
    staffing.room_sign_off(actor=chief, session_id=s.theory.pk, room_id=s.computer.pk,
                           items=dict.fromkeys(ROOM_SIGNOFF_ITEMS, True))
    assert staffing.session_may_start(s.theory) == []
    services.batch_transition(actor=reg.officer, batch_id=s.batch.pk, target="in_progress")
    assert staffing.session_may_start(s.practical), "the practical room is not signed off yet"
    staffing.room_sign_off(actor=chief, session_id=s.practical.pk, room_id=s.prac_room.pk,
                           items=dict.fromkeys(ROOM_SIGNOFF_ITEMS, True))
    assert staffing.readiness(s.batch) == []


def test_readiness_catches_what_changed_after_staffing(reg):
    s = sitting(reg)
    staff_fully(reg, s)
    s.batch.workstations_per_examiner = 2  # 6 workstations now need 3 examiners … and they have 3
    s.batch.save()
    assert not any("考评人员" in p.message for p in staffing.readiness(s.batch))
    s.batch.workstations_per_examiner = 1  # … but 6 at one each
    s.batch.save()
    assert any("至少需要6名" in p.message for p in staffing.readiness(s.batch))
    from skillcert.scheduling import services

    services.venue_profile_save(actor=reg.officer, venue=s.venue, facilities={"exam_office": True}, support_staff={})
    assert any("考点缺少" in p.message and "医务室" in p.message for p in staffing.readiness(s.batch))
    # A declared conflict that arose after the assignment shows up too.
    proctor = StaffAssignment.objects.filter(role=StaffRole.PROCTOR).first().user
    seated = s.theory.assignments.select_related("application").first().application
    staffing.conflict_declare(actor=proctor, staff=proctor, kind=ConflictKind.RELATIVE, id_number=seated.id_number)
    assert any("须回避" in p.message for p in staffing.readiness(s.batch))
