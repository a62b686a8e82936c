"""Answer sheets, the comprehensive review and re-check requests in a real browser (§6.3.3, §6.5.1, §6.5.2)."""

import pytest

from skillcert.accounts.enums import Role
from skillcert.grading import review, sheets
from tests.factories import PASSWORD, user_with_role
from tests.grading.conftest import paper_sitting, published_batch, review_day

from .conftest import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _page(browser):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    return ctx, page


def test_a_clerk_types_an_answer_sheet_and_sees_the_mismatch_list(live_server, browser, artifacts):
    day, tickets = paper_sitting()
    other = user_with_role(Role.EXAM_AFFAIRS, day.session.batch.announcement.body, username="clerk_b",
                           full_name="录入员乙")
    sheets.sheet_enter(actor=other, paper_id=day.paper.pk, ticket=tickets[1], form_number=1, absent=False,
                       answers={"1": "A"})
    ctx, page = _page(browser)
    staff_login(page, live_server.url, day.officer)
    page.goto(f"{live_server.url}/console/grading/")
    page.click("a.button:has-text('答题卡录入')")
    page.fill("#ticket", tickets[1])
    page.fill("input[name=q1]", "B")
    page.click("text=保存本张答题卡")
    page.wait_for_selector("text=两遍录入不一致")
    assert tickets[1] in page.inner_text("#mismatches")
    page.fill("#ticket", tickets[2])
    page.check("#absent")
    page.click("text=保存本张答题卡")
    page.wait_for_selector("text=已录入。")
    assert tickets[2] in page.inner_text("#sheet-progress")
    page.screenshot(path=str(artifacts / "grading-sheets.png"), full_page=True)
    ctx.close()


def test_an_examiner_scores_the_comprehensive_review(live_server, browser, artifacts):
    officer, session, room, examiners, leader, apps = review_day()
    panel = review.review_panel_form(actor=officer, session_id=session.pk, room_id=room.pk, examiners=examiners,
                                     leader=leader)
    review.review_submit(actor=examiners[1], panel_id=panel.pk, application_id=apps[0], defence="82",
                         performance="75")
    ctx, page = _page(browser)
    staff_login(page, live_server.url, examiners[0])
    page.click("text=综合评审")
    page.click(f"text={session.batch.name}")
    form = page.locator("#review-table form").first
    form.locator("input[name=defence]").fill("85")
    form.locator("input[name=performance]").fill("78")
    form.locator("button").click()
    page.wait_for_selector("text=评分已提交。")
    assert "答辩 85.00 · 业绩评价 78.00（已提交）" in page.inner_text("#review-table")
    page.screenshot(path=str(artifacts / "grading-review-panel.png"), full_page=True)
    ctx.close()


def test_a_candidate_asks_for_a_recheck_and_the_office_answers(live_server, browser, artifacts):
    day, batch = published_batch()
    result = batch.results.select_related("application__candidate").first()
    candidate = result.application.candidate
    candidate.set_password(PASSWORD)
    candidate.save(update_fields=["password"])
    ctx, page = _page(browser)
    page.goto(f"{live_server.url}/portal/login/")
    page.fill("#id_username", candidate.id_number)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/portal/applications/{result.application_id}/")
    page.select_option("#recheck-part", "theory")
    page.fill("#recheck-reason", "简答题得分与预期差距较大，申请复核。")
    page.click("text=申请成绩复核")
    page.wait_for_selector("text=成绩复核申请已提交")
    page.screenshot(path=str(artifacts / "portal-recheck.png"), full_page=True)
    ctx.close()

    ctx, page = _page(browser)
    staff_login(page, live_server.url, day.officer)
    page.goto(f"{live_server.url}/console/grading/batches/{batch.pk}/results/")
    box = page.locator("#rechecks")
    assert "简答题得分与预期差距较大" in box.inner_text()
    box.locator("input[name=response]").fill("经调阅原始答卷和两位阅卷人的评分记录，成绩无误。")
    box.locator("button:has-text('答复')").click()
    page.wait_for_selector("text=复核申请已答复")
    assert "成绩无误" in page.inner_text("#rechecks")
    page.screenshot(path=str(artifacts / "grading-rechecks.png"), full_page=True)
    ctx.close()
