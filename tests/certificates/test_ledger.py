"""证书台账 (§8.2.4.2 谁评价、谁发证、谁负责): blank stock by serial, printing on registered sheets, destruction
before two witnesses, hand-over against signature or by mail, reissue / recall / revocation written by the
services, and the ledger report per batch and per period that lists every certificate not yet traced."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from skillcert.accounts.enums import Role
from skillcert.certificates import ledger, services
from skillcert.certificates.models import LedgerEntry, SheetState, StockSheet
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _stock(officer, body, first=1, last=10, prefix="SD"):
    return ledger.stock_receive(actor=officer, body_id=body.pk, prefix=prefix, first=first, last=last,
                                received_on=timezone.localdate(), source="省印制中心")


def test_stock_is_received_by_serial_and_an_overlap_is_refused(issued):
    _certs, (day, batch, *_rest) = issued
    body = batch.announcement.body
    receipt = _stock(day.officer, body)
    assert receipt.count == 10 and str(receipt) == "SD0000001–SD0000010"
    assert StockSheet.objects.filter(receipt=receipt, state=SheetState.BLANK).count() == 10
    with pytest.raises(ValidationError) as exc:
        _stock(day.officer, body, first=8, last=12)
    assert "SD0000008" in exc.value.message_dict["first"][0]
    with pytest.raises(ValidationError) as exc:
        _stock(day.officer, body, first=5, last=4, prefix="X")
    assert "last" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _stock(day.officer, body, prefix="sd-1")
    assert "prefix" in exc.value.message_dict
    assert LedgerEntry.objects.get(event="received").count == 10
    assert AuditEntry.objects.filter(action="certificates.stock.received").count() == 1


def test_printing_takes_the_next_blank_sheets_and_a_reprint_needs_the_spoiled_sheet_destroyed(issued):
    certs, (day, batch, *_rest) = issued
    body = batch.announcement.body
    _stock(day.officer, body, 1, 10)
    pairs = ledger.print_paper(actor=day.officer, issue_id=certs[0].issue_id, first_serial="SD0000003")
    assert [s.serial for _c, s in pairs] == ["SD0000003", "SD0000004", "SD0000005"]
    assert {c.pk for c, _s in pairs} == {c.pk for c in certs}
    with pytest.raises(ValidationError, match="没有待打印"):
        ledger.print_paper(actor=day.officer, issue_id=certs[0].issue_id, first_serial="SD0000006")
    # The first page jammed: destroyed before two witnesses, then printed again on the next blank sheet.
    with pytest.raises(ValidationError) as exc:
        ledger.spoil(actor=day.officer, body_id=body.pk, serial="SD0000003", reason="卡纸", witnesses=["张三", ""])
    assert "witnesses" in exc.value.message_dict
    ledger.spoil(actor=day.officer, body_id=body.pk, serial="SD0000003", reason="卡纸", witnesses=["张三", "李四"])
    with pytest.raises(ValidationError) as exc:  # a used sheet is named
        ledger.print_paper(actor=day.officer, issue_id=certs[0].issue_id, first_serial="SD0000004")
    assert "SD0000004 不是空白证书（已打印）" in exc.value.message_dict["first_serial"][0]
    (again,) = ledger.print_paper(actor=day.officer, issue_id=certs[0].issue_id, first_serial="SD0000001")
    assert again[0].pk == pairs[0][0].pk and again[1].serial == "SD0000001"
    spoiled = LedgerEntry.objects.get(event="spoiled")
    assert spoiled.witnesses == "张三、李四" and spoiled.certificate_id == pairs[0][0].pk
    with pytest.raises(ValidationError, match="已销毁"):
        ledger.spoil(actor=day.officer, body_id=body.pk, serial="SD0000003", reason="x", witnesses=["甲", "乙"])


def test_a_short_stock_run_and_an_unknown_serial_are_refused(issued):
    certs, (day, batch, *_rest) = issued
    _stock(day.officer, batch.announcement.body, 1, 2)
    with pytest.raises(ValidationError, match="只剩 2 张"):
        ledger.print_paper(actor=day.officer, issue_id=certs[0].issue_id, first_serial="SD0000001")
    with pytest.raises(ValidationError, match="不在本机构"):
        ledger.print_paper(actor=day.officer, issue_id=certs[0].issue_id, first_serial="ZZ0000001")
    assert not StockSheet.objects.filter(state=SheetState.PRINTED).exists()  # nothing half-written


def test_hand_over_needs_a_signature_mail_needs_a_tracking_number_and_a_delivered_sheet_is_not_destroyed(issued):
    certs, (day, batch, *_rest) = issued
    body = batch.announcement.body
    _stock(day.officer, body)
    with pytest.raises(ValidationError, match="尚未印制"):
        ledger.deliver(actor=day.officer, certificate_id=certs[0].pk, how="handed", recipient="x", signed=True)
    pairs = ledger.print_paper(actor=day.officer, issue_id=certs[0].issue_id, first_serial="SD0000001")
    with pytest.raises(ValidationError) as exc:
        ledger.deliver(actor=day.officer, certificate_id=certs[0].pk, how="handed", recipient=certs[0].name)
    assert "signed" in exc.value.message_dict
    ledger.deliver(actor=day.officer, certificate_id=certs[0].pk, how="handed", recipient=certs[0].name, signed=True)
    with pytest.raises(ValidationError, match="已发放"):
        ledger.deliver(actor=day.officer, certificate_id=certs[0].pk, how="mailed", recipient="x",
                       tracking="SF1234567890")
    with pytest.raises(ValidationError) as exc:
        ledger.deliver(actor=day.officer, certificate_id=certs[1].pk, how="mailed", recipient=certs[1].name,
                       tracking="?")
    assert "tracking" in exc.value.message_dict
    ledger.deliver(actor=day.officer, certificate_id=certs[1].pk, how="mailed", recipient=certs[1].name,
                   tracking="SF1234567890")
    with pytest.raises(ValidationError, match="已发放"):
        ledger.spoil(actor=day.officer, body_id=body.pk, serial=pairs[0][1].serial, reason="x",
                     witnesses=["甲", "乙"])
    assert LedgerEntry.objects.get(event="mailed").tracking == "SF1234567890"


def test_reissue_recall_and_revocation_are_written_and_the_batch_report_is_complete(client, issued):
    """Ledger completeness: after printing and handing over everything, a damaged certificate's reissue (the old
    one recalled, then destroyed) and a revocation, every valid certificate of the batch is traced and each event
    is counted once in the batch report and in the period report."""
    certs, (day, batch, _results, _supervisor, admin) = issued
    body = batch.announcement.body
    _stock(day.officer, body)
    ledger.print_paper(actor=day.officer, issue_id=certs[0].issue_id, first_serial="SD0000001")
    for c in certs:
        ledger.deliver(actor=day.officer, certificate_id=c.pk, how="handed", recipient=c.name, signed=True)
    issue = certs[0].issue
    assert ledger.untraced(issue) == []
    req = services.request_reissue(actor=day.officer, certificate_id=certs[0].pk, reason="damage", detail="破损",
                                   id_checked=True)
    new = services.request_decide(actor=admin, request_id=req.pk, approve=True).new_certificate
    assert [(c.pk, why) for c, why in ledger.untraced(issue)] == [(new.pk, "未印制")]
    old_sheet = ledger.printed_sheet(certs[0])
    ledger.spoil(actor=day.officer, body_id=body.pk, serial=old_sheet.serial, reason="收回的旧证",
                 witnesses=["甲", "乙"])
    ledger.print_paper(actor=day.officer, issue_id=issue.pk, first_serial="SD0000004")
    assert [why for _c, why in ledger.untraced(issue)] == ["已印制未发放"]
    ledger.deliver(actor=day.officer, certificate_id=new.pk, how="mailed", recipient=new.name, tracking="EMS9876543")
    rev = services.request_revoke(actor=day.officer, certificate_id=certs[1].pk, reason="cheating", detail="录像")
    services.request_decide(actor=admin, request_id=rev.pk, approve=True)
    report = ledger.report(body.pk, issue=issue)
    counts = {code: n for _label, code, n in report["counts"]}
    assert counts == {"received": 0, "printed": 4, "spoiled": 1, "handed": 3, "mailed": 1, "reissued": 1,
                      "recalled": 1, "revoked": 1}
    assert report["untraced"] == [] and report["certificates"] == 4
    period = {code: n for _label, code, n in ledger.report(body.pk, start=timezone.localdate())["counts"]}
    assert period["received"] == 10 and period["printed"] == 4
    assert ledger.report(body.pk, end=timezone.localdate() - dt.timedelta(days=1))["entries"].count() == 0
    assert report["stock"] == {"blank": 6, "printed": 3, "spoiled": 1, "total": 10}
    # The console report and its exports.
    client.force_login(day.officer)
    url = reverse("console:certificate_ledger")
    page = client.get(url, {"issue": issue.pk}).content.decode()
    assert 'id="untraced-none"' in page and "收回旧证" in page
    xlsx = client.get(url, {"issue": issue.pk, "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    pdf = client.get(url, {"start": timezone.localdate().isoformat(), "format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="certificates.ledger.downloaded").count() == 2


def test_the_console_prints_through_the_ledger_and_registers_a_hand_over(client, issued):
    from tests.factories import pdf_text

    certs, (day, batch, *_rest) = issued
    _stock(day.officer, batch.announcement.body)
    issue = certs[0].issue
    client.force_login(day.officer)
    response = client.post(reverse("console:certificate_print", args=[issue.pk]), {"first_serial": "sd0000002"})
    assert response["Content-Type"] == "application/pdf"
    assert all(c.number in pdf_text(response.content) for c in certs)
    page = client.get(reverse("console:certificate_list", args=[issue.pk])).content.decode()
    assert "SD0000002" in page and "SD0000004" in page
    client.post(reverse("console:certificate_deliver", args=[issue.pk]),
                {"certificate": certs[0].pk, "how": "handed", "recipient": certs[0].name, "signed": "1"})
    assert LedgerEntry.objects.filter(event="handed", certificate=certs[0]).exists()
    sheet = client.get(reverse("console:certificate_handover_sheet", args=[issue.pk]))
    assert certs[1].name in pdf_text(sheet.content) and "领取人签字" in pdf_text(sheet.content)
    # Paper is no longer printed outside the ledger.
    assert client.get(reverse("console:certificate_pdf", args=[issue.pk, "paper"])).status_code == 404


def test_only_the_body_office_keeps_the_ledger(issued):
    certs, (_day, batch, _results, supervisor, _admin) = issued
    with pytest.raises(PermissionDenied):
        _stock(supervisor, batch.announcement.body)
    with pytest.raises(PermissionDenied):
        ledger.print_paper(actor=supervisor, issue_id=certs[0].issue_id, first_serial="SD0000001")


def test_certificates_without_the_seal_or_a_photo_are_refused_and_bundles_hold_valid_ones_only(client, issued):
    """§8.2.3.2 照片直接在证书上打印, §8.2.3.3 盖机构章: no seal uploaded → paper and electronic printing refused,
    saying so, and no blank sheet used; a holder without a photo is named. The 'all electronic certificates' file
    holds the valid certificates only: not the revoked one, not the replaced one."""
    from skillcert.certificates import documents
    from skillcert.certificates.models import Certificate, CertificateStatus
    from tests.factories import make_candidate, pdf_text

    certs, (day, batch, _results, _supervisor, admin) = issued
    body = batch.announcement.body
    _stock(day.officer, body, 1, 10)
    services.layout_save(actor=admin, body_id=body.pk, remove_seal=True)
    with pytest.raises(ValidationError, match="尚未上传机构印章"):
        ledger.print_paper(actor=day.officer, issue_id=certs[0].issue_id, first_serial="SD0000001")
    assert not StockSheet.objects.filter(body=body).exclude(state=SheetState.BLANK).exists()
    client.force_login(day.officer)
    url = reverse("console:certificate_pdf", args=[certs[0].issue_id, "electronic"])
    response = client.get(url)
    assert response.status_code == 302
    assert "尚未上传机构印章" in client.get(response.url).content.decode()
    client.force_login(certs[0].holder)
    response = client.get(reverse("portal:certificate_pdf", args=[certs[0].pk]))
    assert response.status_code == 302 and response["Content-Type"] != "application/pdf"
    # A holder without a photo is named (an unsaved copy: the content as it would print for that person).
    nobody = make_candidate(901, full_name="无照片", photo=False)
    copy = Certificate(number="X" * 22, name="无照片", holder=nobody, body=body, body_name=body.name,
                       status=CertificateStatus.VALID)
    assert any("无照片（XXXXXXXXXXXXXXXXXXXXXX）" in m and "§8.2.3.2" in m
               for m in documents.missing_for_print([copy]))
    from .conftest import seal_png

    services.layout_save(actor=admin, body_id=body.pk, seal=seal_png())
    # One revoked, one replaced by a reissue: the bundle has the valid ones only (the replacement included).
    second = user_with_role(Role.BODY_ADMIN, body, username="admin_two")
    for cert, kind in ((certs[0], "revoke"), (certs[1], "reissue")):
        if kind == "revoke":
            req = services.request_revoke(actor=day.officer, certificate_id=cert.pk, reason="cheating",
                                          detail="考试作弊，监控录像为证")
        else:
            req = services.request_reissue(actor=day.officer, certificate_id=cert.pk, reason="loss", detail="遗失",
                                           id_checked=True)
        services.request_decide(actor=second, request_id=req.pk, approve=True)
    valid = list(Certificate.objects.filter(issue_id=certs[0].issue_id, status=CertificateStatus.VALID))
    assert len(valid) == 2
    client.force_login(day.officer)
    text = pdf_text(client.get(url).content)
    assert all(c.number in text for c in valid)
    assert certs[0].number not in text and certs[1].number not in text
    single = client.get(url, {"certificate": certs[0].pk})
    assert single.status_code == 404
