"""A writer writes and revises an item, compares the versions and submits it; a reviewer takes it and
approves it with the §7.2.4 checklist — in a real browser (issue #5)."""

import pyotp
import pytest
from django.utils import timezone

from skillcert.accounts.enums import Role
from skillcert.accounts.models import TOTPDevice
from skillcert.itembank.enums import ItemStatus
from skillcert.itembank.models import Item
from tests.factories import PASSWORD, user_with_role
from tests.itembank.conftest import make_bank

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, base: str, user) -> None:
    device, _ = TOTPDevice.objects.update_or_create(user=user, defaults={"secret": pyotp.random_base32(32),
                                                                         "confirmed_at": timezone.now()})
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/accounts/login/verify/")
    page.fill("#id_code", pyotp.TOTP(device.secret).now())
    page.click("button[type=submit].primary")
    page.wait_for_url("**/console/")


def test_write_revise_compare_submit_and_review(live_server, browser, page, artifacts, world):
    manager = user_with_role(Role.BANK_MANAGER, world.body, username="e2e_manager", full_name="张建国")
    writer = user_with_role(Role.ITEM_WRITER, world.body, username="e2e_writer", full_name="刘海燕")
    reviewer = user_with_role(Role.ITEM_REVIEWER, world.body, username="e2e_reviewer", full_name="陈志强")
    bank = make_bank(world, manager)

    _login(page, live_server.url, writer)
    page.click("text=题库与试题")
    page.click(f"text={bank}")
    page.click("text=编写试题")
    page.select_option("#id_type", "single")
    page.fill("#id_element_code", "B.01.03")
    page.fill("#id_stem", "企业净购入电力产生的二氧化碳排放属于（  ）。")
    for key, text in zip("ABCD", ["直接排放", "间接排放", "过程排放", "逸散排放"], strict=True):
        page.fill(f"#id_option_{key}", text)
    page.fill("#id_answer", "E")  # not an option: refused, nothing written
    page.click("#item-form button[type=submit]")
    assert "不在选项" in page.locator(".field.has-error").inner_text()
    assert not Item.objects.exists()
    page.fill("#id_answer", "B")
    page.click("#item-form button[type=submit]")
    page.wait_for_url("**/console/items/*/")
    item = Item.objects.get()
    assert "间接排放" in page.locator("#content").inner_text()

    page.click("text=修改")
    page.fill("#id_stem", "重点排放单位净购入电力产生的二氧化碳排放属于（  ）。")
    page.fill("#id_note", "明确主体")
    page.click("#item-form button[type=submit]")
    page.wait_for_url(f"**/console/items/{item.pk}/")
    page.click("text=版本比对")
    diff = page.locator("#diff")
    assert diff.locator("ins").first.inner_text() == "重点排放单位"
    assert "v1" in diff.inner_text() and "v2" in diff.inner_text()
    page.screenshot(path=str(artifacts / "item-compare.png"), full_page=True)
    page.goto(f"{live_server.url}/console/items/{item.pk}/")
    page.click("button:has-text('提交审核')")
    assert "已提交" in page.locator("h1").inner_text()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    second = context.new_page()
    _login(second, live_server.url, reviewer)
    second.goto(f"{live_server.url}/console/banks/{bank.pk}/")
    second.click(f"text={item.code}")  # in the 待我审核 queue
    second.click("button:has-text('领取审核')")
    for key in "abcd":
        second.check(f"#id_{key}")
    second.check("input[name=decision][value=approve]")
    second.screenshot(path=str(artifacts / "item-review.png"), full_page=True)
    second.click("#review button[type=submit]")
    second.wait_for_url(f"**/console/items/{item.pk}/")
    assert "审核通过" in second.locator("h1").inner_text()
    item.refresh_from_db()
    assert item.status == ItemStatus.APPROVED and item.reviewer == reviewer and item.current_version.number == 2
    context.close()
