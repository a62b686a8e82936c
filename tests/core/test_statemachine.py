import pytest

from skillcert.core.errors import IllegalTransition
from skillcert.core.statemachine import allowed_targets, require_transition

TRANSITIONS = {"draft": {"published"}, "published": {"closed"}, "closed": {"archived"}}


def test_listed_move_is_allowed():
    require_transition(TRANSITIONS, "draft", "published")
    assert allowed_targets(TRANSITIONS, "published") == {"closed"}


def test_unlisted_move_is_refused_with_a_readable_message():
    with pytest.raises(IllegalTransition, match="不能从“已归档”变更为“草稿”"):
        require_transition(TRANSITIONS, "archived", "draft", labels={"archived": "已归档", "draft": "草稿"})


# --- transition / transition_many on real rows (issue #21 item 2) ---------------------------------------------

@pytest.fixture
def announcement(db):
    from tests.factories import build_registration, build_world

    return build_registration(build_world()).announcement


def _jobs(n: int):
    from skillcert.core.models import Job
    from tests.factories import UserFactory

    user = UserFactory()
    return [Job.objects.create(kind="test", label=f"任务{i}", created_by=user) for i in range(n)]


def test_transition_saves_the_status_the_changes_and_updated_at_only(announcement):
    from skillcert.core.statemachine import transition
    from skillcert.registration.enums import AnnouncementStatus
    from skillcert.registration.models import Announcement

    before = Announcement.objects.get(pk=announcement.pk)
    announcement.title = "未保存的标题"  # changed in memory only: transition saves exactly its own fields
    previous = transition(announcement, AnnouncementStatus.CLOSED, eligibility="已截止")
    after = Announcement.objects.get(pk=announcement.pk)
    assert previous == AnnouncementStatus.PUBLISHED
    assert (after.status, after.eligibility, after.title) == (AnnouncementStatus.CLOSED, "已截止", before.title)
    assert after.updated_at > before.updated_at


def test_an_illegal_transition_writes_nothing(announcement):
    from skillcert.core.statemachine import transition
    from skillcert.registration.enums import AnnouncementStatus
    from skillcert.registration.models import Announcement

    before = Announcement.objects.get(pk=announcement.pk)
    with pytest.raises(IllegalTransition, match="不能从“已发布”变更为“草稿”"):
        transition(announcement, AnnouncementStatus.DRAFT, eligibility="改过")
    after = Announcement.objects.get(pk=announcement.pk)
    assert (announcement.status, announcement.eligibility) == (AnnouncementStatus.PUBLISHED, before.eligibility)
    assert (after.status, after.eligibility, after.updated_at) == (before.status, before.eligibility,
                                                                   before.updated_at)


def test_transition_on_another_state_field_uses_its_own_table(db):
    from skillcert.core.statemachine import table_for
    from skillcert.delivery.enums import ROOM_TRANSITIONS
    from skillcert.delivery.models import RoomSitting
    from skillcert.grading.models import PART_STATE_TRANSITIONS, RESULT_TRANSITIONS, Result
    from skillcert.registration.enums import FEE_TRANSITIONS
    from skillcert.registration.models import Application

    assert table_for(RoomSitting, "state") is ROOM_TRANSITIONS
    assert table_for(Application, "fee_status") is FEE_TRANSITIONS
    assert table_for(Result, "status") is RESULT_TRANSITIONS
    assert table_for(Result, "theory_state") is PART_STATE_TRANSITIONS
    with pytest.raises(TypeError, match=r"Result\.passed has no TRANSITIONS"):
        table_for(Result, "passed")  # never the status table for a field it does not describe


def test_transition_without_a_table_refuses(db):
    from skillcert.core.statemachine import transition

    (job,) = _jobs(1)
    with pytest.raises(TypeError):
        transition(job, "x", field="label")
    job.refresh_from_db()
    assert job.label == "任务0"


def test_transition_many_moves_every_row_in_one_update(db, django_assert_num_queries):
    from skillcert.core.models import Job, JobStatus
    from skillcert.core.statemachine import transition_many

    jobs = _jobs(3)
    with django_assert_num_queries(2):  # the statuses found, then one UPDATE
        moved = transition_many(Job.objects.filter(pk__in=[j.pk for j in jobs]), JobStatus.RUNNING, message="开始")
    assert moved == 3
    assert set(Job.objects.values_list("status", "message")) == {(JobStatus.RUNNING, "开始")}


def test_transition_many_refuses_when_any_row_may_not_move_and_writes_nothing(db):
    from skillcert.core.models import Job, JobStatus
    from skillcert.core.statemachine import transition, transition_many

    jobs = _jobs(3)
    for job in jobs:
        transition(job, JobStatus.RUNNING)
    transition(jobs[0], JobStatus.DONE)  # done is final: it may not fail afterwards
    with pytest.raises(IllegalTransition, match="不能从“已完成”变更为“失败”"):
        transition_many(Job.objects.all(), JobStatus.FAILED, message="不该写入")
    assert sorted(Job.objects.values_list("status", flat=True)) == [JobStatus.DONE, JobStatus.RUNNING,
                                                                     JobStatus.RUNNING]
    assert not Job.objects.filter(message="不该写入").exists()


def test_transition_many_saves_updated_at(announcement):
    from skillcert.core.statemachine import transition_many
    from skillcert.registration.enums import AnnouncementStatus
    from skillcert.registration.models import Announcement

    before = Announcement.objects.get(pk=announcement.pk).updated_at
    assert transition_many(Announcement.objects.filter(pk=announcement.pk), AnnouncementStatus.CLOSED) == 1
    assert Announcement.objects.get(pk=announcement.pk).updated_at > before
