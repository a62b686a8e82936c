"""A paused room (表B.2: power or equipment failure; issue #20 item 9): no answer and no submission is taken while
the room is paused and nothing is written; the answers are accepted after the resume; the time left stands still
across the pause (A.2.9: the clock is the server's); the time-up collection does not fire during a pause; 补时
granted during a pause, for the room or one candidate, adds exactly its minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from skillcert.delivery import services as s
from skillcert.delivery.enums import AttemptStatus, SubmittedHow
from skillcert.delivery.models import Answer, Attempt, AttemptSession

from .conftest import checked_in, login, started

pytestmark = pytest.mark.django_db

SEC = dt.timedelta(seconds=1)
MIN = dt.timedelta(minutes=1)


def _go(day, a, now):
    day.sitting.refresh_from_db()
    token = login(a, day.sitting.code)
    aid = s.attempt_for_token(token)
    return aid, token, s.attempt_paper(attempt_id=aid, now=now)


def _fill(items):
    return next(i for i in items if i["type"] == "fill")


def _ms(aid, now) -> int:
    return s.time_status(Attempt.objects.select_related("sitting__session").get(pk=aid), now).remaining_ms


def test_a_save_during_a_pause_is_refused_with_the_code_and_nothing_written(day):
    start = timezone.now()
    started(day, now=start)
    aid, token, items = _go(day, day.attempts[0], start)
    pos = _fill(items)["position"]
    assert s.answers_save(attempt_id=aid, saves=[{"seq": 1, "position": pos, "value": "暂停前"}],
                          now=start + 10 * MIN - SEC) == [1]  # processed before the pause: kept
    paused_at = start + 10 * MIN
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="停电", now=paused_at)
    before = list(Answer.objects.filter(attempt_id=aid).values_list("position", "value", "seq", "saved_at"))
    for kwargs in ({"attempt_id": aid}, {"token": token}):  # by id (the services) and by token (the API's path)
        with pytest.raises(s.Paused) as refused:
            s.answers_save(**kwargs, saves=[{"seq": 2, "position": pos, "value": "暂停后"}], now=paused_at + SEC)
        assert refused.value.code == "paused" and "暂停" in refused.value.message
    assert list(Answer.objects.filter(attempt_id=aid).values_list("position", "value", "seq", "saved_at")) == before
    # Even an empty save (the player's flush) is refused: it learns of the pause from it.
    with pytest.raises(s.Paused):
        s.answers_save(token=token, saves=[], now=paused_at + SEC)

    resumed_at = paused_at + 3 * MIN
    s.room_resume(actor=day.proctors[0], sitting_id=day.sitting.pk, now=resumed_at)
    # The player resends the held save with its original sequence number: accepted, at the server's time.
    assert s.answers_save(token=token, saves=[{"seq": 2, "position": pos, "value": "暂停后"}],
                          now=resumed_at + SEC) == [2]
    kept = Answer.objects.get(attempt_id=aid, position=pos)
    assert (kept.value, kept.seq, kept.saved_at) == ("暂停后", 2, resumed_at + SEC)


def test_the_time_left_stands_still_across_a_pause_and_the_resume_continues_from_it(day):
    start = timezone.now()
    started(day, now=start)
    aid, token, _items = _go(day, day.attempts[0], start)
    paused_at = start + dt.timedelta(minutes=20, microseconds=250_000)  # a pause at a fraction of a second
    at_pause = _ms(aid, paused_at)
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="设备故障", now=paused_at)
    for later in (paused_at + SEC, paused_at + 7 * MIN, paused_at + dt.timedelta(minutes=29, seconds=59.9)):
        status = s.attempt_status(token=token, now=later)
        assert status.paused and status.room_state == "paused"
        assert status.remaining_ms == at_pause  # to the millisecond: nothing for the player's display to jump
        assert status.remaining_seconds == -(-at_pause // 1000)
    resumed_at = paused_at + dt.timedelta(minutes=12, seconds=30, microseconds=400_000)
    s.room_resume(actor=day.proctors[0], sitting_id=day.sitting.pk, now=resumed_at)
    after = s.attempt_status(token=token, now=resumed_at)
    # The lost time is made up in whole seconds, rounded up: the candidate never loses a fraction, gains < 1 s.
    assert not after.paused and 0 <= after.remaining_ms - at_pause < 1000
    assert s.attempt_status(token=token, now=resumed_at + 10 * SEC).remaining_ms == after.remaining_ms - 10_000


def test_the_status_poll_is_a_read_with_a_heartbeat_every_ten_seconds(day):
    start = timezone.now()
    started(day, now=start)
    aid, token, _items = _go(day, day.attempts[0], start)
    session = AttemptSession.objects.get(attempt_id=aid, revoked_at__isnull=True)
    t0 = start + MIN
    s.attempt_status(token=token, now=t0)
    assert AttemptSession.objects.get(pk=session.pk).last_seen_at == t0
    s.attempt_status(token=token, now=t0 + 9 * SEC)  # the proctor console needs one in 45 s: not written
    assert AttemptSession.objects.get(pk=session.pk).last_seen_at == t0
    s.attempt_status(token=token, now=t0 + 10 * SEC)
    assert AttemptSession.objects.get(pk=session.pk).last_seen_at == t0 + 10 * SEC
    with pytest.raises(s.NotLoggedIn):
        s.attempt_status(token="not-a-token")
    with pytest.raises(s.NotLoggedIn):
        s.attempt_status(token="")


def test_no_submission_during_a_pause_the_proctor_may_still_collect(day):
    """The candidate cannot submit while answers may be held in the browser; a proctor's 强制收卷 (a candidate
    leaving ill) is a deliberate act from the acknowledged answers and stays possible."""
    start = timezone.now()
    started(day, now=start)
    a, b = day.attempts[:2]
    aid, _t, _i = _go(day, a, start)
    bid, _t, _i = _go(day, b, start)
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="停电", now=start + 5 * MIN)
    with pytest.raises(s.Paused):
        s.attempt_submit(attempt_id=aid, now=start + 6 * MIN)
    assert Attempt.objects.get(pk=aid).status == AttemptStatus.ANSWERING
    s.force_submit(actor=day.proctors[0], attempt_id=bid, reason="考生身体不适离场", now=start + 6 * MIN)
    assert Attempt.objects.get(pk=bid).submitted_how == SubmittedHow.PROCTOR
    s.room_resume(actor=day.proctors[0], sitting_id=day.sitting.pk, now=start + 8 * MIN)
    assert s.attempt_submit(attempt_id=aid, now=start + 9 * MIN).status == AttemptStatus.SUBMITTED


def test_the_paper_is_not_first_opened_during_a_pause_but_is_shown_again_to_who_has_it(day):
    start = timezone.now()
    checked_in(day)
    s.room_start(actor=day.chief, sitting_id=day.sitting.pk, now=start)
    aid, _t, items = _go(day, day.attempts[0], start)
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="停电", now=start + MIN)
    # A reload (or a change of computer) of a candidate already answering: the paper, behind the pause screen.
    assert s.attempt_paper(attempt_id=aid, now=start + 2 * MIN) == items
    late = day.attempts[1]
    day.sitting.refresh_from_db()
    late_id = s.attempt_for_token(login(late, day.sitting.code))
    with pytest.raises(s.Paused):
        s.attempt_paper(attempt_id=late_id, now=start + 2 * MIN)
    assert Attempt.objects.get(pk=late_id).status == AttemptStatus.CHECKED_IN  # reading time not started
    s.room_resume(actor=day.proctors[0], sitting_id=day.sitting.pk, now=start + 3 * MIN)
    s.attempt_paper(attempt_id=late_id, now=start + 3 * MIN)
    assert Attempt.objects.get(pk=late_id).started_at == start + 3 * MIN


def test_the_time_up_collection_does_not_fire_during_a_pause(day):
    start = timezone.now()
    started(day, now=start)
    aid, token, _items = _go(day, day.attempts[0], start)
    deadline = Attempt.objects.select_related("sitting__session").get(pk=aid).deadline(start)
    paused_at = deadline - MIN  # one minute left
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="停电", now=paused_at)
    long_after = deadline + 10 * MIN
    assert s.tick(now=long_after)["finalised"] == 0
    status = s.attempt_status(token=token, now=long_after)
    assert status.status == AttemptStatus.ANSWERING and status.remaining_ms == 60_000
    assert s.attempt_clock(aid, now=long_after).status == AttemptStatus.ANSWERING
    s.room_resume(actor=day.proctors[0], sitting_id=day.sitting.pk, now=long_after)
    assert s.tick(now=long_after + 59 * SEC)["finalised"] == 0
    assert s.answers_save(token=token, saves=[], now=long_after + 59 * SEC) == []
    assert s.tick(now=long_after + 61 * SEC)["finalised"] == 4
    a = Attempt.objects.get(pk=aid)
    assert a.submitted_how == SubmittedHow.DEADLINE and a.submitted_at == long_after + MIN


def test_compensation_during_a_pause_adds_exactly_its_minutes_for_the_room_or_one_candidate(day):
    start = timezone.now()
    started(day, now=start)
    aid, token_a, _i = _go(day, day.attempts[0], start)
    bid, token_b, _i = _go(day, day.attempts[1], start)
    paused_at = start + 30 * MIN
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="停电", now=paused_at)
    frozen_a, frozen_b = _ms(aid, paused_at), _ms(bid, paused_at)
    s.compensate(actor=day.proctors[0], sitting_id=day.sitting.pk, minutes=5, reason="停电前网络中断",
                 now=paused_at + MIN)
    s.compensate(actor=day.chief, sitting_id=day.sitting.pk, minutes=3, reason="换机", attempt_id=bid,
                 now=paused_at + MIN)
    during = paused_at + 4 * MIN
    a, b = s.attempt_status(token=token_a, now=during), s.attempt_status(token=token_b, now=during)
    assert a.paused and b.paused
    assert a.remaining_ms == frozen_a + 5 * 60_000 and b.remaining_ms == frozen_b + 8 * 60_000
    resumed_at = paused_at + 6 * MIN
    s.room_resume(actor=day.proctors[0], sitting_id=day.sitting.pk, now=resumed_at)
    assert s.attempt_status(token=token_a, now=resumed_at).remaining_ms == frozen_a + 5 * 60_000
    assert s.attempt_status(token=token_b, now=resumed_at + MIN).remaining_ms == frozen_b + 7 * 60_000
