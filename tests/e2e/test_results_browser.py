"""The results page in a real browser (§6.5): the officer compiles and reviews a batch's results."""

import pytest

from skillcert.grading import services
from tests.grading.conftest import sat_with_short_answers

from .conftest import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_compiles_the_batch_results(live_server, browser, artifacts):
    day, m1, m2, leader = sat_with_short_answers()
    run = services.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    (task,) = services.marking_open(actor=day.officer, run_id=run.pk, markers=[m1, m2], leader=leader)
    for script in task.scripts.filter(status="waiting"):
        services.mark_record(actor=m1, task_id=task.pk, code=script.code, points="9")
        services.mark_record(actor=m2, task_id=task.pk, code=script.code, points="10")
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    staff_login(page, live_server.url, day.officer)
    page.click("text=认定成绩")
    page.click("a.button:has-text('成绩')")
    page.click("#do-compile")
    page.wait_for_selector("text=已统分复核。")
    assert page.locator("#results tbody tr").count() == 4
    assert "9.5" in page.inner_text("#results")
    page.screenshot(path=str(artifacts / "grading-results.png"), full_page=True)
    ctx.close()
