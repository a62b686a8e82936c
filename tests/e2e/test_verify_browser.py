"""The public verification page in a real browser (§8.3): a QR scanned to the page, a lookup by number and name."""

import pytest

from skillcert.certificates import signing
from tests.certificates.conftest import issued_certificates, passed_batch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_public_checks_a_certificate_by_its_qr_and_by_number(live_server, browser, artifacts):
    certs, _passed = issued_certificates(passed_batch())
    cert = certs[1]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/verify/?t={signing.sign(cert)}")  # what the phone opens from the QR
    result = page.locator("#verify-result")
    assert "电子签名有效" in result.inner_text() and cert.number in result.inner_text()
    assert cert.id_number not in page.content()
    page.screenshot(path=str(artifacts / "public-verify-qr.png"), full_page=True)
    page.goto(f"{live_server.url}/")
    page.click("a.button:has-text('证书查询')")
    page.fill("#number", cert.number)
    page.fill("#name-1", "不是本人")
    page.click("text=按证书编号查询")
    page.wait_for_selector("#not-found")
    page.fill("#number", cert.number)
    page.fill("#name-1", cert.name)
    page.click("text=按证书编号查询")
    page.wait_for_selector(".certificate-record")
    assert "有效" in page.inner_text("#verify-result")
    page.screenshot(path=str(artifacts / "public-verify.png"), full_page=True)
    ctx.close()


def test_the_public_checks_an_electronic_certificate_file(live_server, browser, artifacts, tmp_path):
    """The file as the holder received it verifies; the same file edited does not (§8.3, PAdES)."""
    from skillcert.certificates import documents

    certs, _passed = issued_certificates(passed_batch())
    signed = documents.certificate_pdf([certs[0]], electronic=True)
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(signed)
    edited = bytearray(signed)
    at = edited.find(b"/Title")
    edited[at + 8] ^= 1
    bad.write_bytes(bytes(edited))
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/verify/")
    page.set_input_files("#file", str(bad))
    page.click("text=核验电子证书文件")
    page.wait_for_selector("#file-invalid")
    page.set_input_files("#file", str(good))
    page.click("text=核验电子证书文件")
    page.wait_for_selector(".certificate-record")
    assert "该文件由评价机构签发" in page.inner_text("#verify-result") and certs[0].number in page.content()
    page.screenshot(path=str(artifacts / "public-verify-file.png"), full_page=True)
    ctx.close()


def test_the_office_keeps_the_ledger_in_the_console(live_server, browser, artifacts):
    """Stock received, the batch printed from a serial, a hand-over registered, the batch's ledger report."""
    from skillcert.certificates import ledger
    from tests.e2e.conftest import staff_login

    certs, (day, batch, *_rest) = issued_certificates(passed_batch())
    body = batch.announcement.body
    ledger.stock_receive(actor=day.officer, body_id=body.pk, prefix="SD", first=1, last=200,
                         received_on=certs[0].issue_date, source="省印制中心")
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    staff_login(page, live_server.url, day.officer)
    page.goto(f"{live_server.url}/console/certificates/issues/{certs[0].issue_id}/")
    page.fill("#print-form input[name=first_serial]", "SD0000001")
    with page.expect_download() as download:
        page.click("#print-form button")
    assert download.value.suggested_filename.endswith("SD0000001-SD0000003.pdf")
    page.reload()
    page.locator("details:has-text('登记发放')").first.locator("summary").click()
    form = page.locator(".deliver-form").first
    form.locator("input[name=signed]").check()
    form.locator("button").click()
    page.wait_for_selector("text=发放已登记")
    page.screenshot(path=str(artifacts / "certificate-list-ledger.png"), full_page=True)
    page.goto(f"{live_server.url}/console/certificates/ledger/?issue={certs[0].issue_id}")
    assert "已印制未发放" in page.inner_text("#report")
    page.screenshot(path=str(artifacts / "certificate-ledger.png"), full_page=True)
    ctx.close()


def test_the_office_sees_the_seal_layout_and_the_platform_reports(live_server, browser, artifacts):
    from skillcert.certificates import platform, services
    from skillcert.certificates.demo import seal_png
    from tests.e2e.conftest import staff_login

    _certs, (day, batch, _results, _supervisor, admin) = issued_certificates(passed_batch())
    body = batch.announcement.body
    services.layout_save(actor=admin, body_id=body.pk, seal=seal_png(body.name))
    platform.report_build(actor=admin, body_id=body.pk)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    staff_login(page, live_server.url, day.officer)
    page.goto(f"{live_server.url}/console/certificates/layout/")
    assert "已上传印章" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "certificate-layout.png"), full_page=True)
    page.goto(f"{live_server.url}/console/certificates/platform/")
    assert "纳入人才统计 3 人" in page.inner_text("#talent")
    page.screenshot(path=str(artifacts / "certificate-platform.png"), full_page=True)
    ctx.close()
