"""The electronic certificate file signed over its whole length (PAdES) and checked from the file alone (§8.3); the
body's seal placed by the printer (§8.2.3.3) and the stock calibration; the export for the national platform
(§6.6.2, §8.4.2 revocations sent as deletions) and the talent statistics (§8.1.2.3)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from skillcert.certificates import documents, pades, platform, services
from skillcert.certificates.models import Certificate, PlatformReport, VerificationLog
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _upload(client, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("public:verify"), {"file": SimpleUploadedFile("c.pdf", data, "application/pdf")})


def test_the_electronic_file_is_signed_over_its_whole_length_and_checks_from_the_file_alone(client, issued):
    certs, _passed = issued
    data = documents.certificate_pdf([certs[0]], electronic=True)
    assert b"/ByteRange" in data and b"ETSI.CAdES.detached" in data
    assert pades.tokens(data) and len(pades.tokens(data)) == 1
    page = _upload(client, data).content.decode()
    assert "该文件由评价机构签发" in page and certs[0].number in page and "有效" in page
    # Any edit breaks it: a byte of the page changed, a page appended after signing, an unsigned copy.
    changed = bytearray(data)
    at = changed.find(b"/Title")
    changed[at + 8] = changed[at + 8] ^ 1
    assert pades.tokens(bytes(changed)) is None
    assert pades.tokens(data + b"\n%% appended\n") is None
    unsigned = documents.certificate_pdf([certs[0]], electronic=True, sign_file=False)
    assert pades.tokens(unsigned) is None
    page = _upload(client, unsigned).content.decode()
    assert 'id="file-invalid"' in page and certs[0].number not in page
    assert _upload(client, b"not a pdf").status_code == 200
    assert list(VerificationLog.objects.filter(method="file").values_list("found", flat=True)) == [1, 0, 0]
    pem = client.get(reverse("public:certificate_pem")).content
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_file_signed_with_another_key_does_not_verify(issued, settings, tmp_path):
    certs, _passed = issued
    data = documents.certificate_pdf([certs[0]], electronic=True)
    pades._certificate_for.cache_clear()
    settings.SKILLCERT_CERTIFICATE_KEY = str(tmp_path / "other.key")
    try:
        assert pades.tokens(data) is None
    finally:
        pades._certificate_for.cache_clear()


def test_a_revoked_certificate_file_still_verifies_as_signed_but_shows_revoked(client, issued):
    certs, (day, _batch, _results, _supervisor, admin) = issued
    data = documents.certificate_pdf([certs[2]], electronic=True)
    req = services.request_revoke(actor=day.officer, certificate_id=certs[2].pk, reason="transfer", detail="出借")
    services.request_decide(actor=admin, request_id=req.pk, approve=True)
    page = _upload(client, data).content.decode()
    assert "电子签名有效" in page and "已撤销" in page


def _seal_png(white=True) -> bytes:
    image = Image.new("RGB", (400, 400), "white" if white else "red")
    for x in range(100, 300):
        for y in range(195, 205):
            image.putpixel((x, y), (200, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_the_seal_is_uploaded_by_the_body_admin_made_transparent_and_printed_over_the_body_name(client, issued):
    certs, (day, batch, _results, _supervisor, admin) = issued
    body = batch.announcement.body
    with pytest.raises(PermissionDenied):
        services.layout_save(actor=day.officer, body_id=body.pk, seal=_seal_png())
    with pytest.raises(ValidationError) as exc:
        services.layout_save(actor=admin, body_id=body.pk, seal=b"GIF89a....")
    assert "seal" in exc.value.message_dict
    tiny = io.BytesIO()
    Image.new("RGB", (50, 50), "white").save(tiny, format="PNG")
    with pytest.raises(ValidationError, match="200 到 3000 像素"):
        services.layout_save(actor=admin, body_id=body.pk, seal=tiny.getvalue())
    with pytest.raises(ValidationError) as exc:
        services.layout_save(actor=admin, body_id=body.pk, offset_x_mm=35)
    assert "offset_x_mm" in exc.value.message_dict
    layout = services.layout_save(actor=admin, body_id=body.pk, seal=_seal_png(), offset_x_mm=3, offset_y_mm=-2,
                                  preprinted=True)
    with layout.seal.open("rb") as fh:
        stored = Image.open(io.BytesIO(fh.read()))
    assert stored.mode == "RGBA" and stored.getpixel((10, 10))[3] == 0 and stored.getpixel((200, 200))[3] == 255
    assert AuditEntry.objects.filter(action="certificates.layout.saved").count() == 2  # the fixture's, and this
    with_seal = documents.certificate_pdf([certs[0]], electronic=False)
    assert b"/SMask" in with_seal  # the seal's transparency travels into the page
    # Preprinted stock: the frame and title are left to the stock; the electronic copy keeps them.
    from tests.factories import pdf_text

    assert "职业技能等级证书" not in pdf_text(with_seal).replace(certs[0].number, "")
    assert "职业技能等级证书" in pdf_text(documents.certificate_pdf([certs[0]], electronic=True, sign_file=False))
    client.force_login(admin)
    specimen = client.get(reverse("console:certificate_layout"), {"specimen": "1"})
    assert specimen["Content-Type"] == "application/pdf" and "样张" in pdf_text(specimen.content)
    page = client.get(reverse("console:certificate_layout")).content.decode()
    assert "已上传印章" in page and 'id="layout-form"' in page


def test_the_platform_export_sends_new_certificates_then_only_changes_and_counts_talent(client, issued):
    certs, (day, batch, _results, _supervisor, admin) = issued
    body = batch.announcement.body
    with pytest.raises(PermissionDenied):
        platform.report_build(actor=day.officer, body_id=body.pk)
    assert platform.talent_counts([body.pk])["people"] == 0  # nothing reported: not queryable nationally yet
    first = platform.report_build(actor=admin, body_id=body.pk)
    with first.file.open("rb") as fh:
        rows = list(load_workbook(fh, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == platform.COLUMNS
    assert [r[0] for r in rows[1:]] == ["新增"] * 3 and {r[1] for r in rows[1:]} == {c.number for c in certs}
    row = next(r for r in rows[1:] if r[1] == certs[0].number)
    assert row[7] == certs[0].trade and row[11] == body.certificate_prefix
    talent = platform.talent_counts([body.pk])
    assert talent["people"] == 3 and talent["unreported"] == 0
    with pytest.raises(ValidationError, match="没有需要上报"):
        platform.report_build(actor=admin, body_id=body.pk)
    # A reissue and a revocation: the next export carries the replaced one, its successor and the deletion.
    req = services.request_reissue(actor=day.officer, certificate_id=certs[0].pk, reason="loss", detail="遗失",
                                   id_checked=True)
    new = services.request_decide(actor=admin, request_id=req.pk, approve=True).new_certificate
    rev = services.request_revoke(actor=day.officer, certificate_id=certs[1].pk, reason="cheating", detail="录像")
    services.request_decide(actor=admin, request_id=rev.pk, approve=True)
    assert platform.talent_counts([body.pk])["people"] == 1  # the revoked and the not-yet-reported are out
    second = platform.report_build(actor=admin, body_id=body.pk)
    with second.file.open("rb") as fh:
        rows = {r[1]: r for r in list(load_workbook(fh, read_only=True).active.iter_rows(values_only=True))[1:]}
    assert rows[certs[0].number][0] == "补发" and rows[certs[0].number][14] == new.number
    assert rows[new.number][0] == "新增" and rows[new.number][15] == certs[0].number
    assert rows[certs[1].number][0] == "撤销" and rows[certs[1].number][17] == "考试作弊"
    assert len(rows) == 3 and platform.talent_counts([body.pk])["people"] == 2
    assert not Certificate.objects.exclude(reported_status=F("status")).exists()
    client.force_login(admin)
    page = client.get(reverse("console:certificate_platform")).content.decode()
    assert f'id="report-{second.pk}"' in page
    download = client.get(reverse("console:certificate_platform"), {"report": first.pk})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert PlatformReport.objects.count() == 2
    assert AuditEntry.objects.filter(action="certificates.platform.reported").count() == 2
