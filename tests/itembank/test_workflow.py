"""Item workflow (§7.2.2, §7.2.4–§7.2.6): transitions and refusals, self-review refusal, versions,
acceptance quorum, release, usage ledger, problems."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from skillcert.accounts.enums import Role
from skillcert.core.audit import verify_chain
from skillcert.core.errors import IllegalTransition
from skillcert.core.models import AuditEntry
from skillcert.itembank import selectors, services, sufficiency
from skillcert.itembank.enums import ITEM_TRANSITIONS, Background, ItemStatus, MeetingVerdict, ReviewDecision
from skillcert.itembank.models import Item, ItemVersion
from tests.factories import user_with_role

from .conftest import SINGLE, SINGLE_CONTENT, approve, write_item

pytestmark = pytest.mark.django_db


def test_item_create_writes_a_draft_with_its_first_sealed_version(bw):
    item = write_item(bw)
    assert item.status == ItemStatus.DRAFT and item.code == "T000001" and item.part == "theory"
    v = item.current_version
    assert v.number == 1 and v.meta["element_code"] == "B.01.01"
    assert SINGLE_CONTENT["stem"].encode() not in bytes(v.sealed)
    assert services.item_content(actor=bw.writer, item=item)["answer"] == "A"
    assert AuditEntry.objects.filter(action="itembank.item.created", target_id=str(item.pk)).exists()


@pytest.mark.parametrize("meta,content,field", [
    ({"element_code": "Z.99.99"}, {}, "element_code"),            # not in the current blueprint
    ({"element_code": "C.01.01"}, {}, "element_code"),            # a practical element for a theory type
    ({"difficulty": 6}, {}, "difficulty"),
    ({}, {"answer": "E"}, "answer"),                               # outside the options
    ({}, {"answer": "AB"}, "answer"),                              # two answers for single choice
    ({}, {"options": ["只有一个"]}, "options"),
    ({}, {"stem": " "}, "stem"),
    ({"type": "multiple"}, {"answer": "A"}, "answer"),
    ({"type": "short"}, {"answer": "要点", "rubric": ""}, "rubric"),
    ({"type": "defence"}, {"answer": "要点", "rubric": "r"}, "type"),  # 中级 has no comprehensive review
])
def test_bad_items_are_refused_naming_the_field_and_nothing_is_written(bw, meta, content, field):
    with pytest.raises(ValidationError) as exc:
        write_item(bw, meta, content)
    assert field in exc.value.message_dict
    assert not Item.objects.exists() and not ItemVersion.objects.exists()


def test_practical_task_needs_its_scoring_sheet_and_time(bw):
    meta = {"type": "practical", "element_code": "C.02.01", "expected_seconds": 3600}
    with pytest.raises(ValidationError) as exc:
        write_item(bw, meta, {"answer": "完成核算", "options": []})
    assert {"scoring_sheet", "time_minutes"} <= set(exc.value.message_dict)
    item = write_item(bw, meta, {"answer": "完成核算", "time_minutes": 60, "materials": "计算器",
                                 "scoring_sheet": "排放计算 | 60 | 每处错误扣10分\n报告填写 | 40 | 格式规范"})
    sheet = services.item_content(actor=bw.manager, item=item)["scoring_sheet"]
    assert item.code.startswith("P") and [r["points"] for r in sheet] == ["60", "40"]


def test_every_content_edit_is_a_new_immutable_version_and_old_ones_can_be_restored(bw):
    item = write_item(bw)
    v1 = item.current_version
    services.item_edit(actor=bw.writer, item_id=item.pk, meta=SINGLE,
                       content={**SINGLE_CONTENT, "stem": "修改后的题干（  ）。"}, note="改题干")
    item.refresh_from_db()
    assert item.current_version.number == 2
    v1.refresh_from_db()
    assert services.item_content(actor=bw.writer, item=item, number=1)["stem"] == SINGLE_CONTENT["stem"]
    with pytest.raises(ValueError):
        v1.save()  # versions are never rewritten
    with pytest.raises(ValidationError):  # nothing changed → no version
        services.item_edit(actor=bw.writer, item_id=item.pk, meta=SINGLE,
                           content={**SINGLE_CONTENT, "stem": "修改后的题干（  ）。"})
    services.item_restore(actor=bw.writer, item_id=item.pk, number=1)
    item.refresh_from_db()
    assert item.current_version.number == 3 and item.current_version.restored_from == 1
    assert item.current_version.digest == v1.digest
    assert list(item.versions.values_list("number", flat=True)) == [1, 2, 3]


def test_the_whole_path_from_draft_to_active(bw):
    item = approve(bw, write_item(bw))
    assert item.status == ItemStatus.APPROVED and item.reviewer == bw.reviewer
    assert item.reviews.get().checklist == dict.fromkeys("abcd", True)


def test_a_writer_cannot_review_their_own_item_even_holding_the_reviewer_role(bw):
    both = user_with_role(Role.ITEM_WRITER, bw.world.body, username="both")
    from tests.factories import grant

    grant(both, Role.ITEM_REVIEWER, bw.world.body)
    item = write_item(bw, author=both)
    services.item_transition(actor=both, item_id=item.pk, target=ItemStatus.SUBMITTED)
    with pytest.raises(ValidationError, match="不能审核自己"):
        services.item_transition(actor=both, item_id=item.pk, target=ItemStatus.IN_REVIEW)
    assert item not in selectors.review_queue(both, bw.bank)


def test_review_refusals(bw):
    item = write_item(bw)
    with pytest.raises(IllegalTransition):  # a draft is not taken for review
        services.item_transition(actor=bw.reviewer, item_id=item.pk, target=ItemStatus.IN_REVIEW)
    services.item_transition(actor=bw.writer, item_id=item.pk, target=ItemStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):  # writers do not review
        services.item_transition(actor=bw.writer, item_id=item.pk, target=ItemStatus.IN_REVIEW)
    with pytest.raises(ValidationError, match="领取"):
        services.item_review(actor=bw.reviewer, item_id=item.pk, checklist={}, decision=ReviewDecision.APPROVE)
    services.item_transition(actor=bw.reviewer, item_id=item.pk, target=ItemStatus.IN_REVIEW)
    with pytest.raises(ValidationError) as exc:
        services.item_review(actor=bw.reviewer, item_id=item.pk, checklist={"a": True, "b": True, "c": True},
                             decision=ReviewDecision.APPROVE)
    assert "checklist" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.item_review(actor=bw.reviewer, item_id=item.pk, checklist={}, decision=ReviewDecision.RETURN)
    assert "comments" in exc.value.message_dict
    services.item_review(actor=bw.reviewer, item_id=item.pk, checklist={"a": True}, decision=ReviewDecision.RETURN,
                         comments="选项表述不规范")
    item.refresh_from_db()
    assert item.status == ItemStatus.RETURNED
    with pytest.raises(ValidationError):  # acceptance, not a button, makes an item accepted
        services.item_transition(actor=bw.manager, item_id=item.pk, target=ItemStatus.ACCEPTED)
    # Returned items are edited and submitted again.
    services.item_edit(actor=bw.writer, item_id=item.pk, meta=SINGLE,
                       content={**SINGLE_CONTENT, "options": ["排放因子", "碳氧化率", "低位发热量", "单位热值含碳量"]})
    services.item_transition(actor=bw.writer, item_id=item.pk, target=ItemStatus.SUBMITTED)


def test_transition_table_is_the_only_way_between_statuses(bw):
    item = write_item(bw)
    for target in ItemStatus.values:
        if target in ITEM_TRANSITIONS[ItemStatus.DRAFT]:
            continue
        with pytest.raises((IllegalTransition, ValidationError, PermissionDenied)):
            services.item_transition(actor=bw.manager, item_id=item.pk, target=target)
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT


def _panel(bw, n=5):
    backgrounds = [Background.TECHNICAL, Background.TRAINING, Background.ASSESSMENT,
                   Background.TECHNICAL, Background.ASSESSMENT, Background.TRAINING]
    people = [bw.manager, bw.reviewer] + [
        user_with_role(Role.ITEM_REVIEWER, bw.world.body, username=f"panel{i}") for i in range(n - 2)]
    return list(zip(people[:n], backgrounds, strict=False))


def test_acceptance_needs_five_signed_members_of_all_three_backgrounds_then_release(bw):
    items = [approve(bw, write_item(bw)) for _ in range(3)]
    meeting = services.meeting_create(actor=bw.manager, bank_id=bw.bank.pk, title="验收会", held_on=dt.date.today(),
                                      place="会议室")
    with pytest.raises(ValidationError, match="命题人"):  # a writer does not accept their own items
        services.meeting_add_member(actor=bw.manager, meeting_id=meeting.pk, user=bw.writer,
                                    background=Background.TRAINING)
    panel = _panel(bw, 4)
    for user, background in panel:
        services.meeting_add_member(actor=bw.manager, meeting_id=meeting.pk, user=user, background=background)
    with pytest.raises(ValidationError, match="5人以上"):
        services.meeting_conclude(actor=bw.manager, meeting_id=meeting.pk, verdict=MeetingVerdict.PASS, minutes="同意")
    extra = user_with_role(Role.ITEM_REVIEWER, bw.world.body, username="panel_last")
    services.meeting_add_member(actor=bw.manager, meeting_id=meeting.pk, user=extra, background=Background.TECHNICAL)
    services.meeting_conclude(actor=bw.manager, meeting_id=meeting.pk, verdict=MeetingVerdict.PASS, minutes="同意验收")
    for user, _b in panel:
        services.meeting_sign(actor=user, meeting_id=meeting.pk)
    with pytest.raises(ValidationError, match="全体成员签字"):
        services.meeting_close(actor=bw.manager, meeting_id=meeting.pk)
    services.meeting_sign(actor=extra, meeting_id=meeting.pk)
    services.meeting_close(actor=bw.manager, meeting_id=meeting.pk)
    assert set(Item.objects.values_list("status", flat=True)) == {ItemStatus.ACCEPTED}

    with pytest.raises(ValidationError) as exc:
        services.release_create(actor=bw.manager, bank_id=bw.bank.pk, notes={"a": "x"}, revision={})
    assert "note_f" in exc.value.message_dict
    release = services.release_create(actor=bw.manager, bank_id=bw.bank.pk, notes=dict.fromkeys("abcdef", "说明"),
                                      revision={})
    assert release.number == 1 and release.item_versions.count() == 3
    assert set(Item.objects.values_list("status", flat=True)) == {ItemStatus.ACTIVE}
    assert {i.current_version_id for i in items} == set(release.item_versions.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as exc:  # a later release needs the §7.2.5 revision record
        services.release_create(actor=bw.manager, bank_id=bw.bank.pk, notes=dict.fromkeys("abcdef", "说明"),
                                revision={})
    assert "revision_a" in exc.value.message_dict
    assert verify_chain().ok


def test_a_missing_background_is_named_and_failed_acceptance_returns_items_for_rework(bw):
    item = approve(bw, write_item(bw))
    meeting = services.meeting_create(actor=bw.manager, bank_id=bw.bank.pk, title="验收会", held_on=dt.date.today(),
                                      place="会议室")
    for i in range(5):
        services.meeting_add_member(actor=bw.manager, meeting_id=meeting.pk,
                                    user=user_with_role(Role.ITEM_REVIEWER, bw.world.body, username=f"t{i}"),
                                    background=Background.TECHNICAL)
    with pytest.raises(ValidationError, match="培训、考核"):
        services.meeting_conclude(actor=bw.manager, meeting_id=meeting.pk, verdict=MeetingVerdict.FAIL, minutes="x")
    # The meeting stays open: add the missing backgrounds.
    for i, background in enumerate([Background.TRAINING, Background.ASSESSMENT]):
        services.meeting_add_member(actor=bw.manager, meeting_id=meeting.pk,
                                    user=user_with_role(Role.ITEM_REVIEWER, bw.world.body, username=f"b{i}"),
                                    background=background)
    services.meeting_conclude(actor=bw.manager, meeting_id=meeting.pk, verdict=MeetingVerdict.FAIL,
                              minutes="计算题评分标准不完整，退回修改（§7.2.6.4）。")
    for m in meeting.members.all():
        services.meeting_sign(actor=m.user, meeting_id=meeting.pk)
    services.meeting_close(actor=bw.manager, meeting_id=meeting.pk)
    item.refresh_from_db()
    assert item.status == ItemStatus.RETURNED


def test_usage_ledger_and_problem_reports(bw):
    item = approve(bw, write_item(bw))
    item.status = ItemStatus.ACTIVE
    item.save()
    services.record_usage(actor=bw.manager, version_ids=[item.current_version_id], paper_ref="2026-Q4-A卷")
    item.refresh_from_db()
    assert item.exposure_count == 1 and item.last_used_at is not None
    assert item.current_version.usages.get().paper_ref == "2026-Q4-A卷"
    problem = services.problem_report(actor=bw.reviewer, item_id=item.pk, description="选项B、C相近")
    with pytest.raises(PermissionDenied):
        services.problem_resolve(actor=bw.reviewer, problem_id=problem.pk, status="resolved", resolution="已改")
    services.problem_resolve(actor=bw.manager, problem_id=problem.pk, status="resolved", resolution="已修订选项")
    with pytest.raises(IllegalTransition):
        services.problem_resolve(actor=bw.manager, problem_id=problem.pk, status="dismissed", resolution="x")


def test_sufficiency_counts_active_items_against_the_minimums_and_the_blueprint(bw):
    item = approve(bw, write_item(bw))
    item.status = ItemStatus.ACTIVE
    item.save()
    report = sufficiency.report(bw.bank)
    theory = report.parts[0]
    assert (theory.active, theory.required, theory.short) == (1, 1200, 1199)
    assert [p.required for p in report.parts] == [1200, 60]  # no defence minimum at 中级
    unit = next(u for u in report.units if u.code == "B.01")
    assert (unit.target, unit.active) == (360, 1)  # 30 % of 1,200
    assert "B.01.02" in unit.uncovered and "B.01.01" not in unit.uncovered
    assert not report.ok


def test_scope_other_body_and_other_occupation_see_nothing(bw):
    item = write_item(bw)
    outsider = user_with_role(Role.BANK_MANAGER, bw.world.other_body, username="other_manager")
    assert not selectors.item_list_for_user(outsider).exists()
    with pytest.raises(PermissionDenied):
        services.item_content(actor=outsider, item=item)
    # A writer reads only what they wrote.
    other_writer = user_with_role(Role.ITEM_WRITER, bw.world.body, username="writer2")
    with pytest.raises(PermissionDenied):
        services.item_content(actor=other_writer, item=item)
    # Body and platform admins administer people, not bank content.
    admin = user_with_role(Role.BODY_ADMIN, bw.world.body, username="badmin")
    with pytest.raises(PermissionDenied):
        services.item_content(actor=admin, item=item)


def test_every_content_read_is_audited_with_the_reader(bw):
    item = write_item(bw)
    before = AuditEntry.objects.filter(action="itembank.item.content_read").count()
    services.item_content(actor=bw.reviewer, item=item, purpose="view")
    entry = AuditEntry.objects.filter(action="itembank.item.content_read").latest("seq")
    assert AuditEntry.objects.filter(action="itembank.item.content_read").count() == before + 1
    assert entry.actor_id == bw.reviewer.pk and entry.data == {"version": 1, "purpose": "view"}
