"""Exam day services (§6.3.1.2, §6.4, A.2.4–A.2.9, 表B.2): start gate, log-in, shuffling, saves, clock, deadline,
absentees, proctor operations and their permissions."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry
from skillcert.delivery import attempts, clock, selectors
from skillcert.delivery import services as s
from skillcert.delivery.enums import AttemptStatus, RoomState, SignalKind, SubmittedHow
from skillcert.delivery.models import Answer, Attempt, IntegritySignal, RoomSitting
from skillcert.papers.enums import PaperStatus
from skillcert.scheduling.models import RoomSignOff
from skillcert.scheduling.tickets import TicketClaim, sign_ticket

from .conftest import checked_in, login, started


def _go(day, a: Attempt, now=None) -> tuple[int, list[dict]]:
    """Log in and fetch the paper: (attempt id, items as shown)."""
    day.sitting.refresh_from_db()
    aid = s.attempt_for_token(login(a, day.sitting.code))
    return aid, s.attempt_paper(attempt_id=aid, now=now)


def _choice(items, t="single"):
    return next(i for i in items if i["type"] == t)


# --- Start gate -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_start_needs_the_chiefs_sign_off_and_the_start_time(day):
    """A.1.2: not before the room is signed off; 统一开考 not before the session's start time."""
    RoomSignOff.objects.filter(session=day.session).delete()
    with pytest.raises(ValidationError, match="签字确认"):
        s.room_start(actor=day.chief, sitting_id=day.sitting.pk)
    day2_start = day.session.starts_at - dt.timedelta(minutes=5)
    with pytest.raises(ValidationError):
        s.room_start(actor=day.chief, sitting_id=day.sitting.pk, now=day2_start)
    assert RoomSitting.objects.get(pk=day.sitting.pk).state == RoomState.WAITING


@pytest.mark.django_db
def test_a_proctor_cannot_release_a_sealed_paper_the_chief_can(day):
    with pytest.raises(ValidationError, match="尚未启封"):
        s.room_start(actor=day.proctors[0], sitting_id=day.sitting.pk)
    sitting = s.room_start(actor=day.chief, sitting_id=day.sitting.pk)
    day.paper.refresh_from_db()
    assert sitting.state == RoomState.RUNNING and day.paper.status == PaperStatus.RELEASED
    assert set(Attempt.objects.filter(sitting=sitting).values_list("paper_id", flat=True)) == {day.paper.pk}


@pytest.mark.django_db
def test_only_the_rooms_proctors_and_the_venues_chiefs_run_it(day):
    with pytest.raises(PermissionDenied):
        s.room_start(actor=day.inspector, sitting_id=day.sitting.pk)
    with pytest.raises(PermissionDenied):
        s.check_in(actor=day.officer, sitting_id=day.sitting.pk, ticket=day.attempts[0].ticket.number)
    from skillcert.delivery import rules
    assert rules.sees(day.inspector, day.sitting) and rules.sees(day.officer, day.sitting)
    assert not rules.runs(day.inspector, day.sitting)


# --- Check-in and log-in ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_check_in_by_qr_token_or_number_and_login_needs_it(day):
    """A.2.4: candidates are checked in by their ticket before they log in at the computer."""
    a, b = day.attempts[:2]
    with pytest.raises(ValidationError, match="先由监考人员签到"):
        login(a, day.sitting.code)
    token = sign_ticket(TicketClaim(a.ticket.number, a.ticket.batch_id, a.application_id, "0000"))
    assert s.check_in(actor=day.proctors[0], sitting_id=day.sitting.pk, ticket=token).check_in_method == "qr"
    assert s.check_in(actor=day.proctors[1], sitting_id=day.sitting.pk, ticket=b.ticket.number).check_in_method \
        == "manual"
    with pytest.raises(ValidationError, match="已是"):
        s.check_in(actor=day.proctors[0], sitting_id=day.sitting.pk, ticket=b.ticket.number)
    with pytest.raises(ValidationError, match="二维码无效"):
        s.check_in(actor=day.proctors[0], sitting_id=day.sitting.pk, ticket=token[:-4] + "AAAA")
    assert login(a, day.sitting.code)


@pytest.mark.django_db
def test_login_refuses_a_wrong_id_or_code_with_one_message(day):
    a = day.attempts[0]
    checked_in(day, a)
    for ticket, id_number, code in [(a.ticket.number, "110101199001011234", day.sitting.code),
                                    (a.ticket.number, a.application.id_number, "000000" if day.sitting.code != "000000"
                                     else "111111"),
                                    ("999999999999999", a.application.id_number, day.sitting.code)]:
        with pytest.raises(ValidationError) as e:
            s.attempt_login(ticket_number=ticket, id_number=id_number, room_code=code)
        assert "不正确" in str(e.value)


@pytest.mark.django_db
def test_one_active_session_and_relogin_elsewhere_keeps_answers_and_time(day):
    """A second log-in is refused and kept as a signal; after the proctor's authorisation the new computer
    takes over (the old token stops working) with every acknowledged answer."""
    started(day)
    a = day.attempts[0]
    aid, items = _go(day, a)
    item = _choice(items)
    s.answers_save(attempt_id=aid, saves=[{"seq": 1, "position": item["position"], "value": item["options"][0]["key"]}])
    with pytest.raises(ValidationError, match="另一台计算机"):
        login(a, day.sitting.code)
    assert IntegritySignal.objects.filter(attempt_id=aid, kind=SignalKind.SECOND_SESSION).count() == 1
    before = s.time_status(Attempt.objects.get(pk=aid)).deadline
    s.relogin_authorise(actor=day.proctors[0], attempt_id=aid, reason="计算机死机")
    old = Attempt.objects.get(pk=aid).sessions.get(revoked_at__isnull=True)
    new_token = login(a, day.sitting.code)
    assert s.attempt_for_token(new_token) == aid
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert s.answers_of(aid)[item["position"]]["value"] == item["options"][0]["key"]
    assert s.time_status(Attempt.objects.get(pk=aid)).deadline == before
    assert not Attempt.objects.get(pk=aid).relogin_allowed  # used once


# --- Paper and shuffling ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_paper_waits_for_the_start_then_is_shuffled_per_candidate_and_reproducible(day):
    checked_in(day)
    a, b = day.attempts[:2]
    aid = s.attempt_for_token(login(a, day.sitting.code))
    with pytest.raises(ValidationError, match="尚未开考"):
        s.attempt_paper(attempt_id=aid)
    s.room_start(actor=day.chief, sitting_id=day.sitting.pk)
    shown = s.attempt_paper(attempt_id=aid)
    attempt = Attempt.objects.get(pk=aid)
    assert attempt.status == AttemptStatus.ANSWERING and attempt.started_at
    assert sorted(i["position"] for i in shown) == list(range(1, 13))
    assert [i["number"] for i in shown] == list(range(1, 13))
    assert s.attempt_paper(attempt_id=aid) == shown  # the same order on every fetch (recorded)
    # The recorded seed reproduces the layout; each option keeps its original key.
    from skillcert.papers.services import released_content
    day.paper.refresh_from_db()
    content = released_content(actor=None, paper=day.paper, form_number=1)
    assert attempts._layout(content, attempt.layout["seed"]) == attempt.layout
    by_pos = {it["position"]: it for it in content["items"]}
    for it in shown:
        for o in it["options"]:
            if it["type"] in ("single", "multiple"):
                assert o["text"] == by_pos[it["position"]]["options"]["ABCDEF".index(o["key"])]
        assert "answer" not in it
    bid = s.attempt_for_token(login(b, day.sitting.code))
    other = s.attempt_paper(attempt_id=bid)
    assert [i["position"] for i in other] != [i["position"] for i in shown]
    assert AuditEntry.objects.filter(action="delivery.attempt.started").count() == 2


# --- Saves -------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_highest_sequence_wins_whatever_the_order(day):
    started(day)
    aid, items = _go(day, day.attempts[0])
    item = _choice(items)
    keys = [o["key"] for o in item["options"]]
    pos = item["position"]
    assert s.answers_save(attempt_id=aid, saves=[{"seq": 5, "position": pos, "value": keys[1]}]) == [5]
    assert s.answers_save(attempt_id=aid, saves=[{"seq": 3, "position": pos, "value": keys[2]}]) == [3]  # older
    assert s.answers_save(attempt_id=aid, saves=[{"seq": 5, "position": pos, "value": keys[1]}]) == [5]  # dup
    assert s.answers_of(aid)[pos] == {"position": pos, "value": keys[1], "seq": 5}
    s.answers_save(attempt_id=aid, saves=[{"seq": 9, "position": pos, "value": keys[3]},
                                          {"seq": 7, "position": pos, "value": keys[0]}])
    assert s.answers_of(aid)[pos]["value"] == keys[3]


@pytest.mark.django_db
def test_a_malformed_save_refuses_the_whole_request(day):
    started(day)
    aid, items = _go(day, day.attempts[0])
    single, multi = _choice(items), _choice(items, "multiple")
    text = _choice(items, "short")
    ok = {"seq": 1, "position": single["position"], "value": single["options"][0]["key"]}
    for bad, msg in [({"seq": 2, "position": single["position"], "value": "Z"}, "选项无效"),
                     ({"seq": 2, "position": multi["position"], "value": ["A", "Q"]}, "选项无效"),
                     ({"seq": 2, "position": 99, "value": "A"}, "不在本试卷"),
                     ({"seq": 0, "position": single["position"], "value": "A"}, "正整数"),
                     ({"seq": 2, "position": text["position"], "value": "字" * 5001}, "不能超过")]:
        with pytest.raises(ValidationError, match=msg):
            s.answers_save(attempt_id=aid, saves=[ok, bad])
    assert Answer.objects.filter(attempt_id=aid).count() == 0
    s.answers_save(attempt_id=aid, saves=[ok, {"seq": 2, "position": multi["position"],
                                               "value": [multi["options"][1]["key"], multi["options"][0]["key"]]}])
    assert s.answers_of(aid)[multi["position"]]["value"] == sorted(o["key"] for o in multi["options"][:2])


@pytest.mark.django_db
def test_after_submit_nothing_changes_and_saves_are_refused(day):
    started(day)
    day.sitting.refresh_from_db()
    token = login(day.attempts[0], day.sitting.code)
    aid = s.attempt_for_token(token)
    item = _choice(s.attempt_paper(attempt_id=aid), "short")
    s.answers_save(attempt_id=aid, saves=[{"seq": 1, "position": item["position"], "value": "碳排放核算"}])
    s.attempt_submit(attempt_id=aid)
    with pytest.raises(s.Closed):
        s.answers_save(attempt_id=aid, saves=[{"seq": 2, "position": item["position"], "value": "改"}])
    with pytest.raises(s.NotLoggedIn):  # the log-in ends with the submission
        s.attempt_for_token(token)
    assert s.answers_of(aid)[item["position"]]["value"] == "碳排放核算"
    a = Attempt.objects.get(pk=aid)
    assert a.status == AttemptStatus.SUBMITTED and a.submitted_how == SubmittedHow.CANDIDATE


# --- Clock: pause, compensation, deadline -------------------------------------------------------------------

def test_clock_arithmetic():
    t0 = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
    c = clock.RoomClock(started_at=t0, duration_seconds=90 * 60)
    assert c.deadline(t0) == t0 + dt.timedelta(minutes=90)
    paused = clock.RoomClock(t0, 90 * 60, compensation_seconds=600, paused_seconds=120,
                             paused_at=t0 + dt.timedelta(minutes=30))
    now = t0 + dt.timedelta(minutes=40)
    assert paused.deadline(now) == t0 + dt.timedelta(minutes=90 + 10 + 2 + 10)
    # While paused, the remaining time stands still.
    r1 = clock.remaining_seconds(paused.deadline(now), now)
    later = now + dt.timedelta(minutes=7)
    assert clock.remaining_seconds(paused.deadline(later), later) == r1
    assert clock.RoomClock(None, 60).deadline(now) is None
    assert clock.paused_for(t0, t0 + dt.timedelta(seconds=61.2)) == 62


@pytest.mark.django_db
def test_pause_stops_everyones_clock_and_resume_extends_the_deadline(day):
    """表B.2: the room's clock stops during a failure; saves wait until it resumes."""
    start = timezone.now()
    started(day, now=start)
    aid, items = _go(day, day.attempts[0], now=start)
    attempt = Attempt.objects.select_related("sitting__session").get(pk=aid)
    before = attempt.deadline(start)
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="停电", now=start + dt.timedelta(minutes=10))
    with pytest.raises(s.Paused, match="暂停"):
        s.answers_save(attempt_id=aid, saves=[{"seq": 1, "position": items[0]["position"], "value": ""}])
    s.room_resume(actor=day.proctors[0], sitting_id=day.sitting.pk, now=start + dt.timedelta(minutes=22))
    attempt = Attempt.objects.select_related("sitting__session").get(pk=aid)
    assert attempt.deadline(start) == before + dt.timedelta(minutes=12)
    assert day.sitting.events.filter(kind="resumed").exists()


@pytest.mark.django_db
def test_compensation_for_the_room_and_for_one_candidate(day):
    start = timezone.now()
    started(day, now=start)
    a, b = (Attempt.objects.select_related("sitting__session").get(pk=x.pk) for x in day.attempts[:2])
    base = a.deadline(start)
    s.compensate(actor=day.proctors[0], sitting_id=day.sitting.pk, minutes=5, reason="机房断网 5 分钟")
    s.compensate(actor=day.chief, sitting_id=day.sitting.pk, minutes=8, reason="计算机故障换机", attempt_id=b.pk)
    a, b = (Attempt.objects.select_related("sitting__session").get(pk=x.pk) for x in (a, b))
    assert a.deadline(start) == base + dt.timedelta(minutes=5)
    assert b.deadline(start) == base + dt.timedelta(minutes=13)
    with pytest.raises(ValidationError) as e:
        s.compensate(actor=day.chief, sitting_id=day.sitting.pk, minutes=31, reason="")
    assert set(e.value.error_dict) == {"minutes", "reason"}


@pytest.mark.django_db
def test_abandoned_attempts_are_finalised_at_the_deadline_from_their_last_save(day):
    start = timezone.now()
    started(day, now=start)
    aid, items = _go(day, day.attempts[0], now=start)
    item = _choice(items, "fill")
    s.answers_save(attempt_id=aid, saves=[{"seq": 4, "position": item["position"], "value": "二氧化碳当量"}],
                   now=start + dt.timedelta(minutes=80))
    deadline = Attempt.objects.select_related("sitting__session").get(pk=aid).deadline(start)
    assert s.tick(now=deadline - dt.timedelta(seconds=1))["finalised"] == 0
    assert s.tick(now=deadline + dt.timedelta(minutes=3))["finalised"] == 4  # everyone checked in
    a = Attempt.objects.get(pk=aid)
    assert a.status == AttemptStatus.SUBMITTED and a.submitted_at == deadline
    assert a.submitted_how == SubmittedHow.DEADLINE
    assert s.answers_of(aid)[item["position"]]["value"] == "二氧化碳当量"
    assert RoomSitting.objects.get(pk=day.sitting.pk).state == RoomState.CLOSED


@pytest.mark.django_db
def test_a_late_save_is_refused_and_finalises_the_attempt(day):
    start = timezone.now()
    started(day, now=start)
    aid, items = _go(day, day.attempts[0], now=start)
    deadline = Attempt.objects.select_related("sitting__session").get(pk=aid).deadline(start)
    with pytest.raises(s.Closed, match="时间已到"):
        s.answers_save(attempt_id=aid, saves=[{"seq": 1, "position": items[0]["position"], "value": ""}],
                       now=deadline + dt.timedelta(seconds=1))
    a = Attempt.objects.get(pk=aid)
    assert a.status == AttemptStatus.SUBMITTED and a.submitted_at == deadline
    assert not Answer.objects.filter(attempt_id=aid).exists()


@pytest.mark.django_db
def test_absentees_are_marked_30_minutes_after_the_start_and_latecomers_refused(day):
    """A.2.8."""
    start = timezone.now()
    checked_in(day, *day.attempts[:2])
    s.room_start(actor=day.chief, sitting_id=day.sitting.pk, now=start)
    with pytest.raises(ValidationError, match="不得入场"):
        s.check_in(actor=day.proctors[0], sitting_id=day.sitting.pk, ticket=day.attempts[2].ticket.number,
                   now=start + dt.timedelta(minutes=31))
    assert s.tick(now=start + dt.timedelta(minutes=29))["absent"] == 0
    assert s.tick(now=start + dt.timedelta(minutes=30))["absent"] == 2
    statuses = dict(Attempt.objects.filter(sitting=day.sitting).values_list("pk", "status"))
    assert [statuses[a.pk] for a in day.attempts] == ["checked_in", "checked_in", "absent", "absent"]
    assert day.sitting.events.filter(kind="absent_marked").count() == 1
    assert s.tick(now=start + dt.timedelta(minutes=45))["absent"] == 0


# --- Proctor operations and the room record -------------------------------------------------------------

@pytest.mark.django_db
def test_force_submit_identity_and_room_record(day):
    started(day)
    aid, _items = _go(day, day.attempts[0])
    s.identity_confirm(actor=day.proctors[1], attempt_id=aid)
    with pytest.raises(ValidationError) as e:
        s.force_submit(actor=day.proctors[0], attempt_id=aid, reason=" ")
    assert "reason" in e.value.error_dict
    s.force_submit(actor=day.proctors[0], attempt_id=aid, reason="携带手机，违纪")
    assert Attempt.objects.get(pk=aid).submitted_how == SubmittedHow.PROCTOR
    with pytest.raises(ValidationError) as e:
        s.event_record(actor=day.proctors[0], sitting_id=day.sitting.pk, kind="started", note="")
    assert set(e.value.error_dict) == {"kind", "note"}
    s.event_record(actor=day.proctors[0], sitting_id=day.sitting.pk, kind="prohibited_items", attempt_id=aid,
                   note="9:40 发现考生携带手机，已收缴")
    kinds = list(selectors.room_record(day.sitting).values_list("kind", flat=True))
    assert kinds == ["started", "force_submitted", "prohibited_items"]
    assert AuditEntry.objects.filter(action="delivery.room_event.recorded").count() == 1


@pytest.mark.django_db
def test_roster_shows_live_status_offline_and_signals(day):
    started(day)
    aid, _ = _go(day, day.attempts[0])
    s.signal_record(attempt_id=aid, kind="focus_loss", detail="blur")
    with pytest.raises(ValidationError):
        s.signal_record(attempt_id=aid, kind="second_session")
    now = timezone.now()
    rows = {r["id"]: r for r in selectors.roster(day.sitting, now)}
    assert rows[aid]["status"] == "answering" and rows[aid]["signals"][0]["count"] == 1
    assert rows[day.attempts[1].pk]["status"] == "checked_in"
    later = {r["id"]: r for r in selectors.roster(day.sitting, now + dt.timedelta(seconds=60))}
    assert later[aid]["status"] == "offline"


@pytest.mark.django_db
def test_sittings_ensure_is_idempotent(day):
    again = s.sittings_ensure(actor=day.officer, session=day.session)
    assert [x.pk for x in again] == [day.sitting.pk]
    assert Attempt.objects.filter(sitting=day.sitting).count() == 4


def test_layout_is_a_permutation_for_any_seed():
    content = {"items": [{"position": p, "type": random.Random(p).choice(["single", "multiple", "judge", "short"]),
                          "options": ["a", "b", "c", "d"]} for p in range(1, 31)]}
    for seed in range(20):
        lay = attempts._layout(content, seed)
        assert sorted(lay["items"]) == list(range(1, 31))
        for pos, keys in lay["options"].items():
            assert sorted(keys) == ["A", "B", "C", "D"] and lay["types"][pos] in ("single", "multiple")
        assert lay == attempts._layout(content, seed)


@pytest.mark.django_db
def test_the_background_job_and_command_run_the_tick():
    from django.core.management import call_command

    from skillcert.delivery.tasks import tick

    from .conftest import make_exam_day

    day = make_exam_day(starts_ago_minutes=40)
    start = timezone.now() - dt.timedelta(minutes=31)
    checked_in(day, day.attempts[0])
    s.room_start(actor=day.chief, sitting_id=day.sitting.pk, now=start)
    assert tick.delay().get() == {"absent": 3, "finalised": 0, "closed": 0}
    call_command("delivery_tick")
    assert Attempt.objects.filter(sitting=day.sitting, status="absent").count() == 3
