"""A candidate signs up, completes the profile, applies with documents and the §4.1 declarations, an
officer approves, and the candidate sees the result (issue #3, §6.1.3, §6.1.4)."""

import pytest

from skillcert.registration.applications import application_review
from skillcert.registration.enums import ApplicationStatus
from skillcert.registration.models import Application
from tests.factories import PDF_BYTES, build_registration, png_bytes, resident_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "Carbon-Manager-2026!"


def test_candidate_signs_up_applies_and_sees_the_result(live_server, page, artifacts, world, tmp_path):
    reg = build_registration(world)
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes())
    scan = tmp_path / "身份证.pdf"
    scan.write_bytes(PDF_BYTES)

    page.goto(f"{live_server.url}/announcements/")
    page.click(f"text={reg.announcement.title}")
    page.screenshot(path=str(artifacts / "announcement.png"), full_page=True)
    page.click("text=我要报名")
    page.wait_for_url("**/portal/login/**")
    page.click("text=注册考生账户")

    page.fill("#id_full_name", "李晓东")
    page.fill("#id_id_number", resident_id(77)[:-1] + ("0" if resident_id(77)[-1] != "0" else "1"))
    page.fill("#id_phone", "13912345678")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit].primary")
    assert "校验位不正确" in page.locator(".field.has-error").inner_text()  # a typo is named, nothing is created
    page.fill("#id_id_number", resident_id(77))
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit].primary")

    page.wait_for_url("**/portal/profile/")
    page.select_option("#id_p-education", "4")
    page.fill("#id_p-employer", "青岛某热电有限公司")
    page.fill("#id_p-years_in_occupation", "3")
    page.click("form:has(#id_p-education) button[type=submit]")
    page.wait_for_selector("text=个人资料已保存")
    page.set_input_files("#id_photo", str(photo))
    page.click("text=上传证件照")
    page.wait_for_selector("img.photo")
    page.screenshot(path=str(artifacts / "portal-profile.png"), full_page=True)

    page.goto(f"{live_server.url}/portal/announcements/{reg.announcement.pk}/apply/")
    page.check("text=碳排放监测员 · 中级工（四级）")
    page.set_input_files("#id_doc_id_card", str(scan))
    page.check("#id_online_diploma")
    page.check("#id_online_work_proof")
    for box in page.locator("input[name^=declare_]").all():
        box.check()
    page.fill("#id_signature", "李晓东")
    page.screenshot(path=str(artifacts / "portal-apply.png"), full_page=True)
    page.click("text=提交报名")

    page.wait_for_url("**/portal/applications/*/")
    assert "已提交，待审核" in page.locator(".page-head").inner_text()
    assert "符合申报条件" in page.locator("pre.explain").inner_text()

    app = Application.objects.get(candidate__id_number=resident_id(77))
    application_review(actor=reg.officer, application_id=app.pk, decision=ApplicationStatus.APPROVED)

    page.goto(f"{live_server.url}/portal/")
    assert "审核通过" in page.locator("table").inner_text()
    page.click("text=消息通知")
    assert "资格审核通过" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/portal/applications/{app.pk}/")
    page.screenshot(path=str(artifacts / "portal-result.png"), full_page=True)
    assert "审核通过" in page.locator(".page-head").inner_text()


def test_officer_reviews_with_documents_side_by_side(live_server, page, artifacts, world):
    from skillcert.accounts import services as accounts
    from skillcert.registration.applications import application_submit
    from tests.factories import PASSWORD as STAFF_PASSWORD
    from tests.factories import make_candidate, submission

    reg = build_registration(world)
    user = make_candidate(5)
    app = application_submit(actor=user, announcement_id=reg.announcement.pk,
                             offer_id=reg.offers[("碳排放监测员", 4)].pk, submission=submission(user))
    accounts.user_update(actor=world.platform_admin, user_id=reg.officer.pk, full_name="李晓梅")
    page.goto(f"{live_server.url}/accounts/login/?next=/console/applications/{app.pk}/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**/console/applications/{app.pk}/")
    assert "符合申报条件" in page.locator("pre.explain").inner_text()
    assert page.locator("iframe.doc").count() == 1
    page.screenshot(path=str(artifacts / "console-review.png"), full_page=True)
    page.check("input[name=r-decision][value=returned]")
    page.click("text=提交并审核下一份")
    assert "不通过或退回修改时必须填写原因" in page.locator("main").inner_text()
    page.check("input[name=r-decision][value=returned]")
    page.fill("#id_r-note", "身份证扫描件不清晰，请重新上传。")
    page.click("text=提交并审核下一份")
    page.wait_for_url(f"**/console/announcements/{reg.announcement.pk}/applications/")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED
