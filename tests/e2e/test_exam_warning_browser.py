"""A.2.9 考试终止前15min，向考生预告时间, in a real browser: when the time left reaches 15 minutes and then 5, the
exam player shows it in the banner and reads it out through the assertive live region, once each; the banner
goes after a minute, so it never tells a stale time.

The time left is the server's (skillcert.delivery.clock): the room is started, through the service, 74 min 50 s
before now in a 90-minute session, so the candidate, logged in and waiting, starts with a little over 15 minutes
left; then ten minutes pass on the server's clock (``django.utils.timezone.now``, which every delivery service
reads; the live server runs in this process) and the player, which trusts the server's time, is at a little over
5 minutes."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from skillcert.delivery import services as delivery
from skillcert.delivery.enums import WARNING_MINUTES
from skillcert.delivery.models import Attempt
from tests.delivery.conftest import make_exam_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _ms_left(attempt_id: int) -> int:
    attempt = Attempt.objects.select_related("sitting__session").get(pk=attempt_id)
    return delivery.time_status(attempt).remaining_ms


def _record_announcements(page) -> None:
    """Every text the assertive and the polite live regions take, in order, with the clock shown at the time."""
    page.evaluate("""() => {
        window.__said = [];
        for (const id of ['announce', 'announce-polite']) {
            const box = document.getElementById(id);
            new MutationObserver(() => {
                if (box.textContent) window.__said.push({live: box.getAttribute('aria-live'), text: box.textContent,
                                                         clock: document.getElementById('clock').textContent});
            }).observe(box, {childList: true, characterData: true, subtree: true});
        }
    }""")


def _said(page) -> list[dict]:
    return page.evaluate("window.__said")


def _warnings(page) -> list[dict]:
    return [s for s in _said(page) if "距考试结束" in s["text"]]


def _seconds(clock: str) -> int:
    m, s = clock.split(":")
    return int(m) * 60 + int(s)


def test_the_player_announces_15_and_then_5_minutes_left(live_server, browser, artifacts, monkeypatch):
    assert tuple(WARNING_MINUTES) == (15, 5)
    day = make_exam_day(n=2, starts_ago_minutes=80, duration=90)
    a = day.attempts[0]
    delivery.check_in(actor=day.proctors[0], sitting_id=day.sitting.pk, ticket=a.ticket.number,
                      now=day.start - dt.timedelta(minutes=10))  # A.2.4: let in before the start
    day.sitting.refresh_from_db()

    player = browser.new_context(bypass_csp=True, locale="zh-CN", viewport={"width": 1280, "height": 860}).new_page()
    player.set_default_timeout(15000)
    player.goto(f"{live_server.url}/exam/")
    _record_announcements(player)
    player.fill("#ticket_number", a.ticket.number)
    player.fill("#id_number", a.application.id_number)
    player.fill("#room_code", day.sitting.code)
    player.click("#login-form button")
    player.wait_for_selector("#waiting:not([hidden])")
    # The chief started the room 74 min 50 s ago (before the candidate logged in here): 15 min 10 s are left.
    delivery.room_start(actor=day.chief, sitting_id=day.sitting.pk,
                        now=timezone.now() - dt.timedelta(minutes=74, seconds=50))
    player.wait_for_selector("#exam:not([hidden])")
    player.wait_for_function("document.getElementById('clock').textContent !== '--:--'")
    first = _seconds(player.locator("#clock").inner_text())
    assert 900 < first <= 910, first  # above the mark when the candidate first sees the time
    assert player.locator("#banner").is_hidden() and not _warnings(player)

    # 15 minutes left: the banner and the assertive region say so, when the clock shows 15:00.
    player.wait_for_selector("#banner:has-text('距考试结束还有 15 分钟')", timeout=25000)
    player.wait_for_function("window.__said.some(s => s.text.includes('距考试结束'))", timeout=2000)
    assert "warn" in player.locator("#banner").get_attribute("class")
    said = _warnings(player)
    assert [(s["live"], s["text"]) for s in said] == [("assertive", "距考试结束还有 15 分钟，请注意掌握时间。")]
    assert 895 <= _seconds(said[0]["clock"]) <= 900, said
    assert player.locator("#announce").get_attribute("aria-live") == "assertive"
    assert player.locator("#announce").inner_text() == said[0]["text"]
    assert 895 <= _ms_left(a.pk) / 1000 <= 900  # and that is the server's time left, not the browser's guess
    player.screenshot(path=str(artifacts / "exam-player-warning-15.png"), full_page=True)
    player.wait_for_timeout(3000)
    assert len(_warnings(player)) == 1  # once

    # Ten minutes pass on the server: the player follows its time and the 5-minute warning comes at 05:00.
    offset = dt.timedelta(milliseconds=_ms_left(a.pk) - 307_000)
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)
    assert 300 < _ms_left(a.pk) / 1000 <= 307
    player.wait_for_function("(() => { const [m, s] = document.getElementById('clock').textContent.split(':');"
                             " return +m * 60 + +s <= 310; })()", timeout=5000)
    player.wait_for_selector("#banner:has-text('距考试结束还有 5 分钟')", timeout=15000)
    player.wait_for_function("window.__said.filter(s => s.text.includes('距考试结束')).length === 2", timeout=2000)
    said = _warnings(player)
    assert [(s["live"], s["text"]) for s in said] == [("assertive", "距考试结束还有 15 分钟，请注意掌握时间。"),
                                                      ("assertive", "距考试结束还有 5 分钟，请注意掌握时间。")]
    assert 295 <= _seconds(said[1]["clock"]) <= 300, said
    assert "low" in player.locator("#clock-box").get_attribute("class")
    assert re.fullmatch(r"0[45]:\d\d", player.locator("#clock").inner_text())
    player.screenshot(path=str(artifacts / "exam-player-warning-5.png"), full_page=True)

    # The banner goes after a minute (it would otherwise go on saying "5 minutes" at 4); nothing more is said.
    player.wait_for_selector("#banner", state="hidden", timeout=75000)
    assert len(_warnings(player)) == 2
    player.context.close()
