"""Exam day in a real browser (§6.3.1.2, A.2): the proctor checks a candidate in, the candidate logs in at the
room computer and waits, the proctor starts the room, the candidate answers, the network drops and the
candidate keeps answering, the network returns and everything is synced, then the candidate submits."""

import pytest

from skillcert.delivery.enums import AttemptStatus
from skillcert.delivery.models import Answer, Attempt
from skillcert.papers import services as papers
from tests.delivery.conftest import make_exam_day

from .conftest import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _answer_current(page, n: int):
    if page.locator("#item fieldset label").count():
        page.locator("#item fieldset label").first.click()
    else:
        page.fill("#text-answer", f"第{n}题的作答：按排放因子法计算")


def _next(page):
    page.click("#item .item-nav button:has-text('下一题')")


def _answered(attempt_id: int) -> int:
    return Answer.objects.filter(attempt_id=attempt_id).count()


def test_proctor_starts_candidate_answers_offline_and_submits(live_server, browser, artifacts):
    day = make_exam_day(n=2)
    papers.paper_release(actor=day.officer, paper_id=day.paper.pk)
    day.sitting.refresh_from_db()
    a = day.attempts[0]
    base = live_server.url

    staff_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    proctor = staff_ctx.new_page()
    proctor.set_default_timeout(15000)
    proctor.on("dialog", lambda d: d.accept())
    staff_login(proctor, base, day.proctors[0])
    proctor.click("text=考场监考台")
    proctor.click("text=第1考场")
    proctor.fill("#checkin-ticket", a.ticket.number)
    proctor.click("form[data-api$='check-in'] button")
    proctor.wait_for_selector(f"#roster tr[data-attempt='{a.pk}'] .live-checked_in")

    cand_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    player = cand_ctx.new_page()
    player.set_default_timeout(15000)
    player.goto(f"{base}/exam/")
    player.fill("#ticket_number", a.ticket.number)
    player.fill("#id_number", a.application.id_number)
    player.fill("#room_code", "000000" if day.sitting.code != "000000" else "111111")
    player.click("#login-form button")
    player.wait_for_selector("#login-error:has-text('不正确')")
    player.fill("#room_code", day.sitting.code)
    player.click("#login-form button")
    player.wait_for_selector("#waiting:not([hidden])")
    assert a.application.full_name in player.locator("#identity").inner_text()
    player.screenshot(path=str(artifacts / "exam-player-waiting.png"), full_page=True)

    proctor.click(f"#roster tr[data-attempt='{a.pk}'] button[data-identity]")
    proctor.wait_for_selector(f"#roster tr[data-attempt='{a.pk}'] td[data-field='identity']:has-text('✓')")
    proctor.click("#btn-start")
    proctor.wait_for_selector("#room-state.room-running")

    player.wait_for_selector("#exam:not([hidden])")
    player.focus("#item-title")
    player.keyboard.press("ArrowRight")  # keyboard navigation (the title has focus after each move)
    player.keyboard.press("ArrowLeft")
    _answer_current(player, 1)
    _next(player)
    _answer_current(player, 2)
    player.wait_for_function("document.body.dataset.pending === '0'")
    assert _answered(a.pk) == 2

    cand_ctx.set_offline(True)
    for n in (3, 4):
        _next(player)
        _answer_current(player, n)
    player.wait_for_function("document.body.dataset.online === '0'")
    assert int(player.evaluate("document.body.dataset.pending")) >= 1
    assert "网络已断开" in player.locator("#net").inner_text()
    player.screenshot(path=str(artifacts / "exam-player-offline.png"), full_page=True)
    assert _answered(a.pk) == 2  # queued in the browser, not yet on the server

    cand_ctx.set_offline(False)
    player.wait_for_function("document.body.dataset.pending === '0' && document.body.dataset.online === '1'",
                             timeout=20000)
    assert _answered(a.pk) == 4
    player.screenshot(path=str(artifacts / "exam-player.png"), full_page=True)

    proctor.wait_for_selector(f"#roster tr[data-attempt='{a.pk}'] td[data-field='answered']:has-text('4 / 12')",
                              timeout=15000)
    proctor.screenshot(path=str(artifacts / "exam-proctor-console.png"), full_page=True)

    player.click("#submit")
    assert "未作答" in player.locator("#confirm-text").inner_text()
    player.click("#confirm-yes")
    player.wait_for_selector("#finished:not([hidden])")
    attempt = Attempt.objects.get(pk=a.pk)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.submitted_how == "candidate"
    assert _answered(a.pk) == 4
    cand_ctx.close()
    staff_ctx.close()
