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
from tests.factories import user_with_role

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
    client.post(url, {"action": "reissue", "certificate": certs[1].pk, "reason": "wrong", "detail": "姓名有误",
                      "id_checked": "1"})
    page = client.get(url).content.decode()
    assert "转让、出借证书" in page and "证书信息错误" in page and 'value="approve"' not in page  # not the requester
    client.force_login(admin)
    for req in CertificateRequest.objects.all():
        client.post(url, {"action": "approve", "request": req.pk})
    assert Certificate.objects.get(pk=certs[0].pk).status == "revoked"
    assert Certificate.objects.get(pk=certs[1].pk).status == "replaced"
    assert "旧证已收回" in client.get(url).content.decode()
