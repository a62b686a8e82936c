"""The results page in a real browser (§6.5): the officer compiles and reviews a batch's results."""

import pytest

from tests.grading.conftest import marked_sitting

from .conftest import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_compiles_the_batch_results(live_server, browser, artifacts):
    day, *_rest = marked_sitting(("9", "10"))
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    staff_login(page, live_server.url, day.officer)
    page.click("text=认定成绩")
    page.screenshot(path=str(artifacts / "grading-results-list.png"), full_page=True)
    page.click("a.button:has-text('成绩')")
    page.click("#do-compile")
    page.wait_for_selector("text=已统分复核。")
    assert page.locator("#results tbody tr").count() == 4
    assert "9.5" in page.inner_text("#results")
    page.screenshot(path=str(artifacts / "grading-results.png"), full_page=True)
    ctx.close()
