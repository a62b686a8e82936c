"""Applications (§6.1.3), eligibility review (§6.1.4, §4.1), integrity bars (§6.8.2) and fees (§6.1.2 d)."""

import datetime as dt
import itertools

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from skillcert.accounts.enums import Role
from skillcert.core.errors import IllegalTransition
from skillcert.core.models import AuditEntry, Notification
from skillcert.integrity.services import bar_record
from skillcert.registration import applications as svc
from skillcert.registration.enums import APPLICATION_TRANSITIONS, ApplicationStatus, FeeStatus
from skillcert.registration.models import Application
from tests.factories import (
    PDF_BYTES,
    build_registration,
    make_candidate,
    resident_id,
    submission,
    upload,
    user_with_role,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture
def reg(world):
    return build_registration(world)


def apply(reg, user, trade="碳排放监测员", level=4, **kw):
    return svc.application_submit(actor=user, announcement_id=reg.announcement.pk,
                                  offer_id=reg.offers[(trade, level)].pk, submission=submission(user, **kw))


def test_a_candidate_applies_and_the_rules_explain_the_verdict(reg):
    user = make_candidate(1, education=3, years="0")  # 大专 meets 四级 alternative 2
    app = apply(reg, user)
    assert app.status == S.SUBMITTED and app.eligible
    assert "符合申报条件（满足第2项）" in app.explanation and "大专及以上学历：满足" in app.explanation
    assert app.fee_due_fen == 40000 and app.fee_status == FeeStatus.DUE
    assert sorted(app.documents.values_list("kind", "verified_online")) == [
        ("diploma", True), ("id_card", False), ("work_proof", True)]
    assert AuditEntry.objects.filter(action="registration.application.submitted", target_id=str(app.pk),
                                     org_id=reg.world.body.pk).exists()
    assert Notification.objects.filter(user=user, subject__startswith="报名已提交").exists()


def test_an_ineligible_application_is_flagged_with_what_each_alternative_lacks(reg):
    user = make_candidate(2, education=2, years="1")
    app = apply(reg, user, level=3)
    assert not app.eligible
    assert "不符合任何一项申报条件" in app.explanation
    assert "第2项未满足：累计从事本职业工作满8年：申报1年，不足" in app.explanation


def test_all_declarations_and_a_matching_signature_are_required(reg):
    user = make_candidate(3)
    with pytest.raises(ValidationError) as exc:
        apply(reg, user, declarations={"conduct": True})
    assert "declarations" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        apply(reg, user, signature="别人")
    assert "签名须与证件姓名“考生3”一致" in exc.value.message_dict["signature"][0]
    assert not Application.objects.exists()


def test_each_document_is_uploaded_or_marked_verified_online(reg):
    user = make_candidate(4)
    with pytest.raises(ValidationError) as exc:
        apply(reg, user, uploads={}, verified_online=["diploma"])
    assert set(exc.value.message_dict) == {"doc_id_card", "doc_work_proof"}
    with pytest.raises(ValidationError) as exc:
        apply(reg, user, uploads={"id_card": upload("id.exe", b"MZ\x90\x00binary")})
    assert exc.value.message_dict["doc_id_card"] == ["本人身份证件只能是 PDF、JPG 或 PNG 文件。"]
    assert not Application.objects.exists()


def test_outside_the_window_or_unpublished_nobody_can_apply(world):
    reg = build_registration(world, opens_in_days=3)
    user = make_candidate(5)
    with pytest.raises(ValidationError, match="报名尚未开始"):
        apply(reg, user)


def test_one_live_application_per_announcement(reg):
    user = make_candidate(6)
    apply(reg, user)
    with pytest.raises(ValidationError, match="不能重复报名"):
        apply(reg, user, trade="碳排放核算员")


def test_a_barred_candidate_cannot_apply_while_the_bar_lasts(reg):
    user = make_candidate(7)
    admin = user_with_role(Role.BODY_ADMIN, reg.world.body)
    today = timezone.localdate()
    bar_record(actor=admin, body=reg.world.body, id_type="resident_id", id_number=user.id_number,
               full_name=user.full_name, reason="forged_information", details="伪造学历证书", starts_on=today,
               ends_on=today + dt.timedelta(days=365))
    with pytest.raises(ValidationError, match="根据诚信档案"):
        apply(reg, user)
    assert not Application.objects.exists()


def test_photo_and_education_are_required_before_applying(reg):
    user = make_candidate(8, photo=False)
    with pytest.raises(ValidationError, match="证件照"):
        apply(reg, user)


def test_staff_cannot_apply_as_a_candidate(reg):
    with pytest.raises(PermissionDenied):
        svc.application_submit(actor=reg.officer, announcement_id=reg.announcement.pk,
                               offer_id=reg.offers[("碳排放监测员", 4)].pk, submission=submission(reg.officer))


# --- Review workflow -------------------------------------------------------------------------

def test_review_moves_are_audited_and_notify_the_candidate_by_portal_and_mail(reg, django_capture_on_commit_callbacks):
    user = make_candidate(10, email="c10@example.com")
    app = apply(reg, user)
    with django_capture_on_commit_callbacks(execute=True):
        svc.application_review(actor=reg.officer, application_id=app.pk, decision=S.RETURNED, note="身份证扫描件不清晰")
    app.refresh_from_db()
    assert app.status == S.RETURNED and app.reviewer == reg.officer
    note = Notification.objects.filter(user=user, subject="报名被退回修改").get()
    assert "身份证扫描件不清晰" in note.body
    assert mail.outbox[-1].to == ["c10@example.com"] and "身份证扫描件不清晰" in mail.outbox[-1].body
    svc.application_resubmit(actor=user, application_id=app.pk,
                             submission=submission(user, uploads={"id_card": upload("id2.pdf", PDF_BYTES)},
                                                   verified_online=[]))
    app.refresh_from_db()
    assert app.status == S.RESUBMITTED
    svc.application_review(actor=reg.officer, application_id=app.pk, decision=S.APPROVED)
    actions = list(AuditEntry.objects.filter(target_id=str(app.pk), target_type="registration.application")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["registration.application.submitted", "registration.application.returned",
                       "registration.application.resubmitted", "registration.application.approved"]


def test_rejecting_or_returning_needs_a_reason(reg):
    app = apply(reg, make_candidate(11))
    for decision in (S.REJECTED, S.RETURNED):
        with pytest.raises(ValidationError) as exc:
            svc.application_review(actor=reg.officer, application_id=app.pk, decision=decision, note=" ")
        assert "note" in exc.value.message_dict
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


# The way from submitted to each status, through the services (candidate or officer).
ROUTES = {S.SUBMITTED: [], S.RETURNED: [S.RETURNED], S.RESUBMITTED: [S.RETURNED, S.RESUBMITTED],
          S.APPROVED: [S.APPROVED], S.REJECTED: [S.REJECTED], S.WITHDRAWN: [S.WITHDRAWN]}


def reach(reg, user, app, status) -> None:
    """Move a freshly submitted ``app`` to ``status`` as the candidate and the officer would."""
    for step in ROUTES[status]:
        if step == S.WITHDRAWN:
            svc.application_withdraw(actor=user, application_id=app.pk)
        elif step == S.RESUBMITTED:
            svc.application_resubmit(actor=user, application_id=app.pk, submission=submission(user))
        else:
            svc.application_review(actor=reg.officer, application_id=app.pk, decision=step, note="原因")
    app.refresh_from_db()
    assert app.status == status


@pytest.mark.parametrize(("start", "target"), [
    (s, t) for s, t in itertools.product(S.values, S.values) if S.SUBMITTED not in (s, t)])
def test_every_transition_is_legal_exactly_when_the_table_says(reg, start, target):
    """Drive every (status, target) pair through the services: legal ones succeed, the rest change nothing.
    (Submitted is entered only by submission, tested above; from submitted, see the next test.)"""
    user = make_candidate(12)
    app = apply(reg, user)
    reach(reg, user, app, start)
    legal = target in APPLICATION_TRANSITIONS[start]
    try:
        if target == S.WITHDRAWN:
            svc.application_withdraw(actor=user, application_id=app.pk)
        elif target == S.RESUBMITTED:
            svc.application_resubmit(actor=user, application_id=app.pk, submission=submission(user))
        else:
            svc.application_review(actor=reg.officer, application_id=app.pk, decision=target, note="原因")
    except IllegalTransition:
        assert not legal
        app.refresh_from_db()
        assert app.status == start
    else:
        assert legal
        app.refresh_from_db()
        assert app.status == target


def test_from_submitted_every_decision_and_withdrawal_is_legal(reg):
    for i, target in enumerate([S.APPROVED, S.REJECTED, S.RETURNED, S.WITHDRAWN]):
        user = make_candidate(20 + i)
        app = apply(reg, user)
        if target == S.WITHDRAWN:
            svc.application_withdraw(actor=user, application_id=app.pk)
        else:
            svc.application_review(actor=reg.officer, application_id=app.pk, decision=target, note="原因")
        app.refresh_from_db()
        assert app.status == target
    with pytest.raises(IllegalTransition):
        svc.application_resubmit(actor=user, application_id=app.pk, submission=submission(user))


def test_bulk_approve_approves_only_eligible_pending_applications(reg):
    good = apply(reg, make_candidate(30))
    weak = apply(reg, make_candidate(31, education=1, years="0"))
    done = apply(reg, make_candidate(32))
    svc.application_review(actor=reg.officer, application_id=done.pk, decision=S.REJECTED, note="材料不符")
    result = svc.application_bulk_approve(actor=reg.officer, announcement_id=reg.announcement.pk,
                                          application_ids=[good.pk, weak.pk, done.pk])
    assert result.approved == [good.pk]
    assert {pk for pk, _r in result.skipped} == {weak.pk, done.pk}
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses == {good.pk: S.APPROVED, weak.pk: S.SUBMITTED, done.pk: S.REJECTED}


def test_a_reviewer_of_another_body_cannot_review(reg):
    app = apply(reg, make_candidate(40))
    stranger = user_with_role(Role.EXAM_AFFAIRS, reg.world.other_body)
    with pytest.raises(PermissionDenied):
        svc.application_review(actor=stranger, application_id=app.pk, decision=S.APPROVED)
    with pytest.raises(PermissionDenied):
        svc.application_bulk_approve(actor=stranger, announcement_id=reg.announcement.pk, application_ids=[app.pk])


def test_a_candidate_cannot_touch_another_candidates_application(reg):
    app = apply(reg, make_candidate(41))
    other = make_candidate(42)
    with pytest.raises(PermissionDenied):
        svc.application_withdraw(actor=other, application_id=app.pk)


# --- Fees ------------------------------------------------------------------------------------

def test_fees_are_recorded_paid_then_refunded_with_receipts(reg):
    app = apply(reg, make_candidate(50))
    with pytest.raises(ValidationError) as exc:
        svc.fee_record(actor=reg.officer, application_id=app.pk, kind="paid", amount_fen=100, receipt_number="R1")
    assert "400.00" in exc.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as exc:
        svc.fee_record(actor=reg.officer, application_id=app.pk, kind="paid", amount_fen=40000)
    assert "receipt_number" in exc.value.message_dict
    svc.fee_record(actor=reg.officer, application_id=app.pk, kind="paid", amount_fen=40000, receipt_number="R1")
    app.refresh_from_db()
    assert app.fee_status == FeeStatus.PAID
    with pytest.raises(ValidationError):  # paid twice
        svc.fee_record(actor=reg.officer, application_id=app.pk, kind="paid", amount_fen=40000, receipt_number="R2")
    svc.fee_record(actor=reg.officer, application_id=app.pk, kind="refunded", amount_fen=40000, receipt_number="T1")
    app.refresh_from_db()
    assert app.fee_status == FeeStatus.REFUNDED
    assert list(AuditEntry.objects.filter(action__startswith="registration.fee.").order_by("seq")
                .values_list("action", flat=True)) == ["registration.fee.paid", "registration.fee.refunded"]


def test_a_waiver_needs_no_receipt_and_a_gateway_records_through_the_same_service(reg):
    a = apply(reg, make_candidate(51))
    svc.fee_record(actor=reg.officer, application_id=a.pk, kind="waived", amount_fen=0, note="困难职工减免")
    a.refresh_from_db()
    assert a.fee_status == FeeStatus.WAIVED and a.fee_entries.get().amount_fen == 40000
    b = apply(reg, make_candidate(52))
    svc.fee_record(actor=None, application_id=b.pk, kind="paid", amount_fen=40000, receipt_number="GW-0001",
                   channel="gateway")
    assert AuditEntry.objects.get(action="registration.fee.paid").actor_label == "gateway"


def test_the_id_helper_makes_valid_numbers():
    from skillcert.registration.idnumbers import parse_resident_id

    assert parse_resident_id(resident_id(999)).birth_date == dt.date(1990, 1, 1)
