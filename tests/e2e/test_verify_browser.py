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
