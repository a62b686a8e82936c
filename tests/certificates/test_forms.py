"""The certificate pages' forms refuse bad input before any service runs (issue #21 item 1): a date that does not
exist (which used to become ``date.max`` / ``date.min``), a number that is not a whole number in range (which used
to become ``-10**6``), an id that is not a certificate of this issue — each answered by a message naming the field,
in Chinese, with nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from skillcert.certificates import services
from skillcert.certificates.models import (
    Certificate,
    CertificateLayout,
    CertificateRequest,
    LedgerEntry,
    StockReceipt,
    StockSheet,
)

pytestmark = pytest.mark.django_db

FAR = str(2**31 - 1)


def _said(client, url, data) -> str:
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return " ".join(str(m) for m in response.context["messages"])


def test_an_issue_date_that_does_not_exist_is_refused_by_name(client, passed):
    day, batch, _results, supervisor, admin = passed
    issue = services.issue_submit(actor=day.officer, batch_id=batch.pk)
    services.issue_review(actor=supervisor, issue_id=issue.pk, approve=True)
    client.force_login(admin)
    url = reverse("console:certificate_issue_action", args=[batch.pk, "issue"])
    for bad in ("2024-13-45", "x", "9999-99-99"):
        assert "发证日期" in _said(client, url, {"issue_date": bad})
    assert not Certificate.objects.exists()
    assert "证书已核发" in _said(client, url, {"issue_date": ""})
    assert Certificate.objects.count() == 3


def test_ledger_revocation_delivery_printing_and_layout_refuse_bad_input(client, issued):
    certs, (day, batch, _results, _supervisor, admin) = issued
    issue = batch.certificate_issue
    client.force_login(day.officer)
    body = batch.announcement.body_id
    ledger = reverse("console:certificate_ledger") + f"?body={body}"
    stock = {"action": "receive", "prefix": "SD", "first": "1", "last": "10", "width": "7", "source": "省印制中心"}
    assert "起始编号" in _said(client, ledger, stock | {"first": "x"})
    assert "截止编号" in _said(client, ledger, stock | {"last": "99999999999999999999"})
    assert "编号位数" in _said(client, ledger, stock | {"width": "3"})
    assert "入库日期" in _said(client, ledger, stock | {"received_on": "2024-13-45"})
    assert not StockReceipt.objects.exists() and not StockSheet.objects.exists()
    assert "空白证书已入库" in _said(client, ledger, stock)
    assert StockSheet.objects.count() == 10
    assert "销毁原因" in _said(client, ledger, {"action": "spoil", "serial": "SD0000001", "reason": ""})

    listing = reverse("console:certificate_list", args=[issue.pk])
    revoke = {"action": "revoke", "certificate": certs[0].pk, "reason": "transfer", "detail": "出借他人使用"}
    assert "诚信记录截止日期" in _said(client, listing, revoke | {"bar_until": "2024-13-45"})
    assert "该证书不在本批次" in _said(client, listing, revoke | {"certificate": FAR})
    assert "该证书不在本批次" in _said(client, listing, revoke | {"certificate": "x"})
    assert "撤销原因" in _said(client, listing, revoke | {"reason": "bogus"})
    assert not CertificateRequest.objects.exists()

    deliver = reverse("console:certificate_deliver", args=[issue.pk])
    assert "该证书不在本批次" in _said(client, deliver, {"certificate": FAR, "how": "handed", "recipient": "张三",
                                                   "signed": "1"})
    assert "发放方式" in _said(client, deliver, {"certificate": certs[0].pk, "how": "bogus", "recipient": "张三"})
    assert not LedgerEntry.objects.filter(event__in=("handed", "mailed")).exists()
    printing = reverse("console:certificate_print", args=[issue.pk])
    assert "该证书不在本批次" in _said(client, printing, {"first_serial": "SD0000001", "certificate": FAR})
    assert not StockSheet.objects.filter(state="printed").exists()

    client.force_login(admin)
    layout = reverse("console:certificate_layout") + f"?body={body}"
    before = CertificateLayout.objects.get(body_id=body)
    for field, value in (("seal_mm", "x"), ("seal_mm", "99"), ("offset_x_mm", "-10**6"), ("offset_y_mm", "25")):
        assert "毫米" in _said(client, layout, {"seal_mm": "40", field: value}), (field, value)
    after = CertificateLayout.objects.get(body_id=body)
    assert (after.seal_mm, after.offset_x_mm, after.offset_y_mm) == (before.seal_mm, before.offset_x_mm,
                                                                      before.offset_y_mm)
