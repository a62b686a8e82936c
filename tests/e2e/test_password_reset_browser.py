"""Password reset in a real browser, by keyboard only (issue #20 item 6b): the staff login's "忘记密码？", the
neutral answer, the mailed link, the new password, back to the login. No Content-Security-Policy violation."""

import re

import pytest
from django.core import mail

from skillcert.accounts.enums import Role
from tests.factories import user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_proctor_resets_his_password_by_keyboard(live_server, page, artifacts, world):
    user_with_role(Role.PROCTOR, world.venue, username="e2e_proctor", full_name="赵敏", email="zm@example.com")
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="忘记密码？").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/password/reset/")
    assert page.locator("h1").inner_text() == "找回密码"
    assert page.locator("label[for=id_login]").inner_text() == "用户名"
    page.screenshot(path=str(artifacts / "password-reset-request.png"), full_page=True)
    page.keyboard.type("e2e_proctor")  # the field has the focus
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/password/reset/?sent=1")
    assert "重置链接已发送到该邮箱" in page.locator("[role=status]").inner_text()
    page.screenshot(path=str(artifacts / "password-reset-sent.png"), full_page=True)

    (message,) = mail.outbox
    link = re.search(r"(/accounts/password/reset/\S+/\S+/)", message.body).group(1)
    page.goto(live_server.url + link)
    page.wait_for_url("**/set-password/")
    assert page.locator("h1").inner_text() == "设置新密码"
    page.screenshot(path=str(artifacts / "password-reset-confirm.png"), full_page=True)
    page.keyboard.type("Fresh-jade-river-2027")  # the first field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("Fresh-jade-river-2027")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/")
    assert "新密码已设置" in page.locator(".messages").inner_text()

    page.goto(live_server.url + link)  # used: one clear message
    assert "此重置链接无效" in page.locator("[role=alert]").inner_text()
    page.screenshot(path=str(artifacts / "password-reset-invalid.png"), full_page=True)
    assert violations == []
