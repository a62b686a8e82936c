"""Practical scoring in a real browser (A.3.4–A.3.8): the officer forms the examiner panel and codes a work
piece at collection; an examiner fills in the scoring sheet for the coded piece."""

import pytest

from skillcert.grading.models import PracticalPanel, WorkPiece
from skillcert.scheduling.models import AdmissionTicket
from tests.grading.conftest import make_practical_day

from .conftest import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_forms_the_panel_and_codes_a_piece_then_an_examiner_scores_it(live_server, browser, artifacts):
    officer, _s, examiners, leader, apps, _world = make_practical_day()
    base = live_server.url
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    staff_login(page, base, officer)
    page.click("text=实操评分")
    page.screenshot(path=str(artifacts / "grading-practical-list.png"), full_page=True)
    for u in examiners:
        page.check(f"input[name=examiners][value='{u.pk}']")
    page.select_option("select[name=leader]", str(leader.pk))
    page.click("button:has-text('组建考评小组')")
    page.wait_for_selector("#map-state")
    page.fill("#ticket", AdmissionTicket.objects.filter(application_id=apps[0]).first().number)
    page.click("#do-collect")
    piece = WorkPiece.objects.get()
    page.wait_for_selector(f"text=请在工件上写明编号 {piece.code}")
    page.screenshot(path=str(artifacts / "grading-panel.png"), full_page=True)
    ctx.close()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    staff_login(page, base, examiners[0])
    page.click("text=我的实操评分")
    page.click("a.button:has-text('评分')")
    inputs = page.locator("#sheet-form input[type=number][name^=given]")
    for i in range(inputs.count()):
        inputs.nth(i).fill(inputs.nth(i).get_attribute("max"))
    page.fill("input[name=deduction_reason] >> nth=0", "未按规定佩戴防护用品")
    page.fill("input[name=deduction_points] >> nth=0", "5")
    page.screenshot(path=str(artifacts / "grading-practical-sheet.png"), full_page=True)
    page.click("#submit-sheet")
    page.wait_for_selector("#all-done")
    sheet = piece.sheets.get()
    assert sheet.total == 95 and sheet.examiner == examiners[0]
    assert PracticalPanel.objects.get().pieces.count() == 1
    ctx.close()
