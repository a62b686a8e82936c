"""A bank manager assembles a paper from the plan the blueprint proposes, sees an infeasible plan named
row by row, swaps an item, reviews and locks the paper — in a real browser (issue #6)."""

import pytest

from skillcert.papers.enums import PaperStatus
from skillcert.papers.models import Paper, PaperItem
from tests.e2e.test_itembank_browser import _login
from tests.factories import paper_reviewer
from tests.papers.conftest import make_paper_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_assemble_review_swap_and_lock(live_server, page, artifacts):
    pw = make_paper_world(theory=420, practical=18)
    _login(page, live_server.url, pw.manager)
    page.click("text=组卷与保密交接")
    page.click("text=为场次组卷")
    page.fill("#id_length", "20")
    page.fill("#id_types", "single 12 5\nmultiple 4 5\njudge 4 5")
    page.fill("#id_elements", "A 2 6\nB.01 99 99")  # the second row cannot be met
    page.fill("#id_difficulty_bands", "")
    page.click("form.grid-form button[type=submit]")
    errors = page.locator(".errorlist, .form-errors, .has-error").all_inner_texts()
    assert any("认定范围 B.01" in e for e in errors), errors
    assert not Paper.objects.exists()
    page.screenshot(path=str(artifacts / "paper-infeasible.png"), full_page=True)

    page.fill("#id_elements", "A 2 6\nB 14 18")
    page.click("form.grid-form button[type=submit]")
    page.wait_for_url("**/console/papers/*/")
    paper = Paper.objects.get()
    assert page.locator("table.form-items").count() == 3
    page.screenshot(path=str(artifacts / "paper-detail.png"), full_page=True)

    first = PaperItem.objects.filter(form__paper=paper, form__number=1).order_by("position").first()
    page.locator("#form-1 a:has-text('换题')").first.click()
    page.wait_for_url(f"**/swap/{first.pk}/")
    page.screenshot(path=str(artifacts / "paper-swap.png"), full_page=True)
    page.locator("#options button").first.click()
    page.wait_for_url(f"**/console/papers/{paper.pk}/")
    first.refresh_from_db()
    assert "已换题" in page.locator(".messages").inner_text()

    # §6.3.2.3: the assembler does not review his own paper — a second bank manager does, then he locks it.
    assert page.locator("#do-review").count() == 1
    reviewer = page.context.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860}).new_page()
    reviewer.set_default_timeout(15000)
    _login(reviewer, live_server.url, paper_reviewer(pw.bank.body))
    reviewer.goto(f"{live_server.url}/console/papers/{paper.pk}/")
    reviewer.click("#do-review")
    reviewer.wait_for_selector("text=试卷已审核")
    reviewer.context.close()
    page.reload()
    page.wait_for_selector("#do-lock")
    page.click("#do-lock")
    page.wait_for_selector("#content-hash")
    paper.refresh_from_db()
    assert paper.status == PaperStatus.LOCKED and page.locator("#content-hash").inner_text() == paper.content_hash
    page.screenshot(path=str(artifacts / "paper-locked.png"), full_page=True)
