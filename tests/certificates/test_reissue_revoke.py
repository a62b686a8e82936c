"""补发 (§8.2.4.1) and 撤销 (§6.8.2, §8.4.2): asked with reason and evidence, decided by a second person; a reissue
gets a new number marked 补发 and linked to the old one (recalled when damaged or wrong); a revocation shows at
once on the public check and writes the holder's integrity record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from skillcert.accounts.enums import Role
from skillcert.certificates import numbering, services
from skillcert.certificates.models import Certificate, CertificateRequest
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry, Notification
from skillcert.integrity.models import IntegrityBar
from tests.factories import PDF_BYTES, png_bytes, resident_id, upload, user_with_role

pytestmark = pytest.mark.django_db


def test_a_lost_certificate_is_reissued_with_a_new_number_linked_to_the_old(client, issued):
    certs, (day, _batch, _results, _supervisor, admin) = issued
    cert = certs[0]
    with pytest.raises(ValidationError) as exc:
        services.request_reissue(actor=day.officer, certificate_id=cert.pk, reason="loss", detail="遗失",
                                 id_checked=False)
    assert "id_checked" in exc.value.message_dict
    req = services.request_reissue(actor=day.officer, certificate_id=cert.pk, reason="loss",
                                   detail="持证人声明遗失，已核验身份证原件", id_checked=True)
    with pytest.raises(ValidationError, match="待审批"):
        services.request_reissue(actor=day.officer, certificate_id=cert.pk, reason="loss", detail="again",
                                 id_checked=True)
    with pytest.raises(PermissionDenied):
        services.request_decide(actor=day.officer, request_id=req.pk, approve=True)  # not a body admin
    req = services.request_decide(actor=admin, request_id=req.pk, approve=True)
    cert.refresh_from_db()
    new = req.new_certificate
    assert cert.status == "replaced" and cert.replaced_by == new and not req.recalled
    assert new.is_reissue and new.name == cert.name and new.number != cert.number
    assert numbering.parse(new.number).sequence == len(certs) + 1  # the next of the level, no gap
    assert Notification.objects.filter(user=cert.holder, subject="证书已补发").exists()
    data = client.get("/api/verify/v1/certificates", {"number": cert.number, "name": cert.name}).json()
    assert data["certificates"][0]["replaced_by"] == new.number
    with pytest.raises(ValidationError, match="不能再办理"):
        services.request_revoke(actor=day.officer, certificate_id=cert.pk, reason="cheating", detail="x")


def test_a_damaged_certificate_is_recalled_and_the_requester_cannot_approve(issued):
    certs, (_day, batch, _results, _supervisor, admin) = issued
    req = services.request_reissue(actor=admin, certificate_id=certs[1].pk, reason="damage", detail="水浸损坏",
                                   id_checked=True)
    with pytest.raises(PermissionDenied, match="另一人"):
        services.request_decide(actor=admin, request_id=req.pk, approve=True)
    second = user_with_role(Role.BODY_ADMIN, batch.announcement.body, username="admin2")
    assert services.request_decide(actor=second, request_id=req.pk, approve=True).recalled


def test_a_revocation_shows_at_once_and_writes_the_integrity_record(client, issued):
    certs, (day, _batch, _results, _supervisor, admin) = issued
    cert = certs[2]
    with pytest.raises(ValidationError) as exc:
        services.request_revoke(actor=day.officer, certificate_id=cert.pk, reason="cheating", detail=" ")
    assert "detail" in exc.value.message_dict
    req = services.request_revoke(actor=day.officer, certificate_id=cert.pk, reason="cheating",
                                  detail="经视频复查，认定考试时使用通讯工具作弊（复查报告编号 2026-017）")
    assert client.get(reverse("public:verify"), {"number": cert.number, "name": cert.name}).content.decode().count(
        "已撤销") == 0  # not before the second person decides
    services.request_decide(actor=admin, request_id=req.pk, approve=True)
    page = client.get(reverse("public:verify"), {"number": cert.number, "name": cert.name}).content.decode()
    assert "已撤销" in page and "事后查实考试作弊" in page
    bar = IntegrityBar.objects.get(id_number=cert.id_number)
    assert bar.reason == "cheating" and bar.ends_on is None and cert.number in bar.details
    assert Certificate.objects.get(pk=cert.pk).revoked_at is not None
    assert {a for a in AuditEntry.objects.filter(action__startswith="certificates.revoke").values_list(
        "action", flat=True)} == {"certificates.revoke.requested", "certificates.revoke.decided"}
    assert CertificateRequest.objects.get(pk=req.pk).decided_by == admin


def test_a_rejected_request_changes_nothing(issued):
    certs, (day, _batch, _results, _supervisor, admin) = issued
    req = services.request_revoke(actor=day.officer, certificate_id=certs[0].pk, reason="transfer", detail="举报")
    services.request_decide(actor=admin, request_id=req.pk, approve=False)
    assert Certificate.objects.get(pk=certs[0].pk).status == "valid" and not IntegrityBar.objects.exists()
    with pytest.raises(ValidationError, match="已处理"):
        services.request_decide(actor=admin, request_id=req.pk, approve=True)


def test_the_certificate_list_takes_requests_and_a_second_admin_decides(client, issued):
    certs, (day, batch, _results, _supervisor, admin) = issued
    url = reverse("console:certificate_list", args=[batch.certificate_issue.pk])
    client.force_login(day.officer)
    client.post(url, {"action": "revoke", "certificate": certs[0].pk, "reason": "transfer",
                      "detail": "发现持证人将证书出借他人使用", "bar_until": ""})
    wrong = {"action": "reissue", "certificate": certs[1].pk, "reason": "wrong", "detail": "姓名有误",
             "id_checked": "1", "full_name": "", "id_type": "", "id_number": ""}
    client.post(url, wrong)  # no corrected field: refused, naming what to fill in
    assert not CertificateRequest.objects.filter(certificate=certs[1]).exists()
    client.post(url, wrong | {"full_name": "更正后姓名", "evidence": upload("户籍证明.pdf", PDF_BYTES)})
    page = client.get(url).content.decode()
    assert "转让、出借证书" in page and "证书信息错误" in page and 'value="approve"' not in page  # not the requester
    assert 'enctype="multipart/form-data"' in page
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert certs[1].name in page and "更正后姓名" in page and "户籍证明.pdf" in page  # old and new, side by side
    req = CertificateRequest.objects.get(certificate=certs[1])
    evidence = reverse("console:certificate_request_file", args=[batch.certificate_issue.pk, req.pk, "evidence"])
    assert b"".join(client.get(evidence).streaming_content) == PDF_BYTES
    for req in CertificateRequest.objects.all():
        client.post(url, {"action": "approve", "request": req.pk})
    assert Certificate.objects.get(pk=certs[0].pk).status == "revoked"
    assert Certificate.objects.get(pk=certs[1].pk).status == "replaced"
    assert Certificate.objects.get(pk=certs[1].pk).replaced_by.name == "更正后姓名"
    assert "旧证已收回" in client.get(url).content.decode()
    assert client.post(url, {"action": "approve", "request": "x"}).status_code == 404  # not a number: no 500
    outsider = user_with_role(Role.EXAM_AFFAIRS, _batch_other_body(batch), username="other_office")
    client.force_login(outsider)
    assert client.get(evidence).status_code == 404


def _batch_other_body(batch):
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="另一评价机构")


# --- 证书信息错误：更正持证人信息 (§8.2.4.1) ---------------------------------------------------------------------

NEW_ID = resident_id(950, born="19851231")


def _wrong(actor, cert, **over):
    args = dict(actor=actor, certificate_id=cert.pk, reason="wrong", id_checked=True,
                detail="持证人姓名登记时错录一字，证件号码末段错录；持身份证原件办理",
                full_name="李更正", id_number=NEW_ID, photo=upload("new.png", png_bytes(310, 434)),
                evidence=upload("身份证复印件.pdf", PDF_BYTES))
    return services.request_reissue(**(args | over))


def test_a_reissue_for_wrong_information_prints_the_corrected_data_and_corrects_the_record(client, issued):
    """§8.2.4.1: the new certificate carries the corrected name, ID number and photo; the old one is replaced and
    recalled; the candidate's account and application are corrected through registration's service; all audited;
    the public check shows the new data on the new number and "replaced" on the old."""
    from skillcert.registration.models import Application

    certs, (day, _batch, _results, _supervisor, admin) = issued
    cert = certs[0]
    holder, old_name, old_id = cert.holder, cert.name, cert.id_number
    req = _wrong(day.officer, cert)
    assert req.corrections == {"name": {"old": old_name, "new": "李更正"},
                               "id_number": {"old": old_id, "new": NEW_ID},
                               "photo": {"old": holder.candidate_profile.photo_sha256, "new": req.new_photo_sha256}}
    assert req.evidence_name == "身份证复印件.pdf" and req.evidence and req.new_photo
    assert [r["label"] for r in req.correction_rows] == ["姓名", "证件号码", "证件照"]
    # Until a second person decides, nothing about the holder changes.
    assert Application.objects.get(pk=cert.application_id).full_name == old_name
    req = services.request_decide(actor=admin, request_id=req.pk, approve=True)
    new, cert = req.new_certificate, Certificate.objects.get(pk=cert.pk)
    assert (new.name, new.id_number, new.id_type, new.is_reissue) == ("李更正", NEW_ID, cert.id_type, True)
    assert (new.occupation, new.level, new.trade) == (cert.occupation, cert.level, cert.trade)
    assert numbering.parse(new.number).sequence == len(certs) + 1
    assert cert.status == "replaced" and cert.replaced_by == new and req.recalled
    assert (cert.name, cert.id_number) == (old_name, old_id)  # the old certificate stays as it was printed
    holder.refresh_from_db()
    app = Application.objects.get(pk=cert.application_id)
    assert (holder.full_name, holder.id_number, holder.username) == ("李更正", NEW_ID, NEW_ID)
    assert (app.full_name, app.id_number) == ("李更正", NEW_ID)
    assert holder.candidate_profile.photo_sha256 == req.new_photo_sha256
    corrected = AuditEntry.objects.get(action="registration.candidate.identity_corrected")
    assert corrected.actor_label == admin.username and set(corrected.data["changes"]) == {"full_name", "id_number"}
    assert corrected.data["changes"]["id_number"]["new"] == "…" + NEW_ID[-4:] and req.evidence_sha256 in \
        corrected.data["evidence"]
    assert AuditEntry.objects.get(action="certificates.reissue.decided").data["corrected"] == ["id_number", "name",
                                                                                               "photo"]
    verify = "/api/verify/v1/certificates"
    found = client.get(verify, {"number": new.number, "name": "李更正"}).json()["certificates"]
    assert found[0]["status"] == "valid" and found[0]["name"] == "李更正"
    assert found[0]["id_number"].endswith(NEW_ID[-4:])
    assert client.get(verify, {"number": cert.number, "name": old_name}).json()["certificates"][0][
        "replaced_by"] == new.number
    assert not client.get(verify, {"number": new.number, "name": old_name}).json()["certificates"]


def test_a_correction_is_decided_by_another_person_only(issued):
    certs, (_day, batch, _results, _supervisor, admin) = issued
    req = _wrong(admin, certs[1], photo=None)
    with pytest.raises(PermissionDenied, match="另一人"):
        services.request_decide(actor=admin, request_id=req.pk, approve=True)
    holder = Certificate.objects.get(pk=certs[1].pk).holder
    assert holder.full_name == certs[1].name and not AuditEntry.objects.filter(
        action="registration.candidate.identity_corrected").exists()
    second = user_with_role(Role.BODY_ADMIN, batch.announcement.body, username="admin2")
    assert services.request_decide(actor=second, request_id=req.pk, approve=True).new_certificate.name == "李更正"


@pytest.mark.parametrize(("over", "field"), [
    ({"evidence": None}, "evidence"),
    ({"evidence": upload("x.exe", b"MZ\x90\x00not a document")}, "evidence"),
    ({"full_name": "", "id_number": "", "photo": None}, "full_name"),  # nothing corrected
    ({"id_number": "370212199001010000", "photo": None}, "id_number"),  # fails the GB 11643 check
    ({"photo": upload("tiny.png", png_bytes(40, 40))}, "photo"),
    ({"reason": "loss"}, "reason"),  # corrections belong to 证书信息错误 only
    ({"detail": " "}, "detail"),
])
def test_a_correction_without_changed_fields_or_evidence_is_refused_naming_the_field(issued, over, field):
    certs, (day, *_rest) = issued
    with pytest.raises(ValidationError) as exc:
        _wrong(day.officer, certs[0], **over)
    assert field in exc.value.message_dict
    assert not CertificateRequest.objects.exists()


def test_an_id_number_of_another_account_is_refused_and_a_failed_decision_writes_nothing(issued):
    """The corrected ID number may not belong to another account: refused at the request; and if another account
    takes it before the decision, the decision fails and nothing of it is written — no new certificate, no number
    used, the old certificate valid, the candidate's record and the request as they were."""
    from skillcert.certificates.models import CertificateSequence, LedgerEntry
    from skillcert.registration import candidates

    certs, (day, _batch, _results, _supervisor, admin) = issued
    with pytest.raises(ValidationError) as exc:
        _wrong(day.officer, certs[0], id_number=certs[1].id_number, photo=None)
    assert "id_number" in exc.value.message_dict
    req = _wrong(day.officer, certs[0])
    candidates.candidate_signup(full_name="王某", id_type="resident_id", id_number=NEW_ID, phone="13912345678",
                                password="Zx-9f8e7d6c5b")
    sequence, ledger = list(CertificateSequence.objects.values_list("last", flat=True)), LedgerEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.request_decide(actor=admin, request_id=req.pk, approve=True)
    assert "id_number" in exc.value.message_dict
    cert = Certificate.objects.get(pk=certs[0].pk)
    assert cert.status == "valid" and cert.replaced_by is None and Certificate.objects.count() == len(certs)
    assert list(CertificateSequence.objects.values_list("last", flat=True)) == sequence
    assert LedgerEntry.objects.count() == ledger
    assert CertificateRequest.objects.get(pk=req.pk).status == "pending"
    holder = cert.holder
    holder.refresh_from_db()
    assert (holder.full_name, holder.id_number) == (certs[0].name, certs[0].id_number)
    assert not AuditEntry.objects.filter(action__in=["registration.candidate.identity_corrected",
                                                     "certificates.reissue.decided"]).exists()


def test_only_the_office_corrects_a_candidate_and_never_their_own_record(issued):
    from skillcert.registration import candidates

    certs, (_day, _batch, _results, _supervisor, admin) = issued
    cert = certs[0]
    kwargs = dict(user_id=cert.holder_id, application_id=cert.application_id, full_name="李更正",
                  reason="证书信息错误", evidence="户籍证明")
    with pytest.raises(PermissionDenied):
        candidates.identity_correct(actor=cert.holder, **kwargs)  # the candidate himself
    outsider = user_with_role(Role.EXAM_AFFAIRS, _batch_other_body(_batch), username="other_office")
    with pytest.raises(PermissionDenied):
        candidates.identity_correct(actor=outsider, **kwargs)
    with pytest.raises(ValidationError) as exc:
        candidates.identity_correct(actor=admin, **(kwargs | {"evidence": " "}))
    assert "evidence" in exc.value.message_dict
    assert candidates.identity_correct(actor=admin, **kwargs).full_name == "李更正"
