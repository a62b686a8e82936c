"""The proctor console and the venue overview during a room pause (表B.2), in a real browser: both show the room
as 已暂停, their clocks (the room's and each candidate's) stand still while it is paused and run again after the
resume, and they never jump — not when the pause, made by the chief from elsewhere, is learnt a few seconds late
(the room console reads every 5 s, the venue overview every 10 s), and not on the resume."""

import itertools
import time

import pytest

from skillcert.delivery import services as delivery
from skillcert.delivery.models import Attempt
from tests.delivery.conftest import make_exam_day

from .conftest import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD = """() => { window.__clocks = []; setInterval(() => { window.__clocks.push(
    Array.from(document.querySelectorAll(%r)).map(e => e.textContent)); }, 50); }"""


def _seconds(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))


def _series(page) -> list[list[int]]:
    """Per clock on the page, every reading in order (a reading of '—' is left out)."""
    rows = page.evaluate("window.__clocks")
    return [[_seconds(r[i]) for r in rows if r[i] not in ("—", "")] for i in range(len(rows[0]))]


def _never_jumps(series: list[list[int]]) -> None:
    for s in series:
        steps = [x - y for x, y in itertools.pairwise(s)]
        assert all(0 <= step <= 1 for step in steps), steps  # never up, never more than a second at once


def _server_seconds(day) -> int:
    a = Attempt.objects.select_related("sitting__session").get(pk=day.attempts[0].pk)
    return delivery.time_status(a).remaining_seconds


def test_the_consoles_stand_still_through_a_pause_made_elsewhere_and_never_jump(live_server, browser, artifacts):
    day = make_exam_day(n=2)
    for a in day.attempts:
        delivery.check_in(actor=day.proctors[0], sitting_id=day.sitting.pk, ticket=a.ticket.number)
    delivery.room_start(actor=day.chief, sitting_id=day.sitting.pk)
    base = live_server.url

    proctor = browser.new_context(bypass_csp=True, locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    proctor.set_default_timeout(15000)
    staff_login(proctor, base, day.proctors[0])
    proctor.goto(f"{base}/console/exam-day/rooms/{day.sitting.pk}/")
    proctor.wait_for_selector("#room-state.room-running")
    rows = [f"#roster tr[data-attempt='{a.pk}'] td[data-field='remaining']" for a in day.attempts]
    proctor.wait_for_function(f"document.querySelector(\"{rows[0]}\").textContent !== '—'")
    proctor.evaluate(RECORD % ", ".join(["#room-clock", *rows]))

    chief = browser.new_context(bypass_csp=True, locale="zh-CN", viewport={"width": 1280, "height": 700}).new_page()
    chief.set_default_timeout(15000)
    staff_login(chief, base, day.chief)
    chief.goto(f"{base}/console/exam-day/sessions/{day.session.pk}/venues/{day.sitting.room.venue_id}/")
    venue_clock = f"tr[data-room='{day.sitting.pk}'] td[data-field='remaining']"
    chief.wait_for_function(f"document.querySelector(\"{venue_clock}\").textContent !== '—'")
    chief.evaluate(RECORD % venue_clock)
    chief.wait_for_timeout(2500)
    assert abs(_seconds(chief.locator(venue_clock).inner_text()) - _server_seconds(day)) <= 1

    # The chief pauses the room from elsewhere: each page learns of it at its next read.
    delivery.room_pause(actor=day.chief, sitting_id=day.sitting.pk, reason="机房停电")
    at_pause = _server_seconds(day)
    t0 = time.monotonic()
    proctor.wait_for_selector("#room-state.room-paused", timeout=7000)
    chief.wait_for_selector(f"tr[data-room='{day.sitting.pk}'] .room-paused", timeout=12000)
    assert "已暂停" in proctor.locator("#room-state").inner_text()
    assert "已暂停" in chief.locator(f"tr[data-room='{day.sitting.pk}'] [data-field='state']").inner_text()
    assert time.monotonic() - t0 < 12
    marks = (proctor.evaluate("window.__clocks.length"), chief.evaluate("window.__clocks.length"))
    proctor.wait_for_timeout(3000)
    for page, mark in zip((proctor, chief), marks, strict=True):
        during = page.evaluate(f"window.__clocks.slice({mark})")
        assert len(during) > 40 and all(r == during[0] for r in during), during[:3]  # stands still
    stood = _seconds(proctor.locator("#room-clock").inner_text())
    assert at_pause - 11 <= stood <= at_pause  # it counted on at most until it learnt of the pause
    assert _server_seconds(day) == at_pause  # and the server's time stands still too
    proctor.screenshot(path=str(artifacts / "exam-proctor-console-paused.png"), full_page=True)
    chief.screenshot(path=str(artifacts / "exam-venue-overview-paused.png"), full_page=True)

    delivery.room_resume(actor=day.chief, sitting_id=day.sitting.pk)
    proctor.wait_for_selector("#room-state.room-running", timeout=7000)
    chief.wait_for_selector(f"tr[data-room='{day.sitting.pk}'] .room-running", timeout=12000)
    # Whatever it counted on before it learnt of the pause, each clock catches up with the server's by running
    # slower, and then agrees with it.
    for page, clock in ((proctor, "#room-clock"), (chief, venue_clock)):
        page.wait_for_function(
            f"Math.abs((t => t.split(':').reduce((a, b) => a * 60 + +b, 0))(document.querySelector(\"{clock}\")"
            f".textContent) - {_server_seconds(day)} + (Date.now() - {int(time.time() * 1000)}) / 1000) <= 1",
            timeout=30000)
    for page in (proctor, chief):
        series = _series(page)
        _never_jumps(series)
        assert all(s[-1] < s[0] for s in series)  # and they ran, before and after the pause
    assert abs(_series(proctor)[1][-1] - _series(proctor)[0][-1]) <= 1  # a candidate's row agrees with the room
