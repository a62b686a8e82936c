"""A body admin logs in with password + TOTP in a real browser and reaches the console (issue #2 §6)."""

import pyotp
import pytest
from django.utils import timezone

from skillcert.accounts.enums import Role
from skillcert.accounts.models import TOTPDevice
from tests.factories import PASSWORD, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_body_admin_logs_in_with_totp_and_sees_the_console(live_server, page, artifacts, world):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="e2e_badmin", full_name="王立新")
    device = TOTPDevice.objects.create(user=admin, secret=pyotp.random_base32(32), confirmed_at=timezone.now())

    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "工作人员登录"
    page.screenshot(path=str(artifacts / "login.png"), full_page=True)
    page.fill("#id_username", "e2e_badmin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")

    page.wait_for_url("**/accounts/login/verify/")
    page.fill("#id_code", pyotp.TOTP(device.secret).now())
    page.click("button[type=submit].primary")

    page.wait_for_url("**/console/")
    assert "您好，王立新" in page.locator("h1").inner_text()
    nav = page.locator("nav.sidebar").inner_text()
    assert "用户与角色" in nav and "审计日志" in nav
    page.screenshot(path=str(artifacts / "console-home.png"), full_page=True)


def test_language_switch_shows_english(live_server, page, world):
    page.goto(f"{live_server.url}/accounts/login/")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("h1").inner_text() == "Staff login"
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    assert page.locator("h1").inner_text() == "工作人员登录"
