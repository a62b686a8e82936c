"""Grading in a real browser (§6.3.3): the exam affairs officer scores the finished computer-based paper,
analyses its items, screens for similar answers and opens blind double marking; a marker then marks scripts
that show only their codes."""

import pytest

from skillcert.grading.models import Mark, Script
from tests.grading.conftest import TEXTS, sat_with_short_answers

from .conftest import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_scores_and_opens_marking_then_a_marker_marks_blind(live_server, browser, artifacts):
    day, m1, m2, leader = sat_with_short_answers()
    base = live_server.url
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    staff_login(page, base, day.officer)
    page.click("text=评分与试题分析")
    page.screenshot(path=str(artifacts / "grading-list.png"), full_page=True)
    page.click("button:has-text('客观题评分')")
    page.wait_for_selector("#scored")
    assert page.inner_text("#scored").startswith("4")
    page.click("#do-analyse")
    page.wait_for_selector("#item-stats")
    page.click("#do-screen")
    page.wait_for_selector("text=比对 6 对")
    page.check(f"input[name=markers][value='{m1.pk}']")
    page.check(f"input[name=markers][value='{m2.pk}']")
    page.select_option("select[name=leader]", str(leader.pk))
    page.click("#do-open-marking")
    page.wait_for_selector("text=已定分 1/4")  # the blank script scores 0 at once
    page.screenshot(path=str(artifacts / "grading-run.png"), full_page=True)
    ctx.close()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    staff_login(page, base, m1)
    page.click("text=我的阅卷任务")
    page.screenshot(path=str(artifacts / "grading-marking-list.png"), full_page=True)
    page.click("a.button:has-text('阅卷')")
    for points in ("8", "6.5", "1"):
        code = page.inner_text("#script-code")
        assert any(t in page.inner_text("#answer") for t in TEXTS[:3])
        html = page.content()
        for a in day.attempts:
            assert a.application.full_name not in html and a.ticket.number not in html
        if points == "8":
            page.screenshot(path=str(artifacts / "grading-marking.png"), full_page=True)
        page.fill("input[name=points]", points)
        page.click("#submit-mark")
        page.wait_for_selector("text=已评分，下一份。")
        assert Mark.objects.filter(script__code=code, marker=m1).exists()
    page.wait_for_selector("#nothing-left")
    assert Script.objects.filter(marks__marker=m1).count() == 3
    ctx.close()
