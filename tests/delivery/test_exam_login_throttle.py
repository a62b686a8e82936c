"""Exam log-in (issue #20 item 5; §10.9, A.2): one answer for every wrong combination, and refused log-ins
throttled per ticket and per address so the room code (10^6 values) cannot be guessed."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from skillcert.core.models import AuditEntry
from skillcert.delivery.models import AttemptSession

from .conftest import checked_in, make_exam_day

API = "/api/exam/v1"


def login(client, ticket, id_number, code, ip="198.51.100.7"):
    return client.post(f"{API}/login", data=json.dumps({"ticket_number": ticket, "id_number": id_number,
                                                        "room_code": code}),
                       content_type="application/json", REMOTE_ADDR=ip)


def _other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def two_rooms(db):
    day = make_exam_day(4, room_size=2)
    checked_in(day)
    for s in day.sittings:
        s.refresh_from_db()
    return day


def test_every_wrong_combination_gets_the_identical_answer(two_rooms):
    day = two_rooms
    mine, other_room = day.attempts[0], day.sittings[1].attempts.select_related("ticket", "application").first()
    code, other_code = day.sittings[0].code, day.sittings[1].code
    assert other_room is not None and other_code != code
    ticket, id_number = mine.ticket.number, mine.application.id_number
    combos = {
        "wrong ticket": ("X" + ticket[1:], id_number, code),
        "wrong ID number": (ticket, "110101199003070000", code),
        "wrong room code": (ticket, id_number, _other_code(code)),
        "ticket of another room": (other_room.ticket.number, other_room.application.id_number, code),
        "this ticket, the other room's code": (ticket, id_number, other_code),
        "empty": ("", "", ""),
    }
    answers = {}
    for i, (label, (t, n, c)) in enumerate(combos.items()):
        r = login(Client(), t, n, c, ip=f"198.51.100.{i + 10}")
        answers[label] = (r.status_code, r.content)
    assert len(set(answers.values())) == 1, answers
    status, body = next(iter(answers.values()))
    assert status == 400 and json.loads(body) == {"detail": "准考证号、证件号码或考场口令不正确。"}
    assert not AttemptSession.objects.exists()


def test_room_code_guessing_is_stopped_per_ticket_even_for_the_right_code(two_rooms, settings):
    settings.SKILLCERT_THROTTLE_EXAM_LOGIN_TICKET = (10, 600)
    day = two_rooms
    a = day.attempts[0]
    code = day.sittings[0].code
    guesses = [f"{n:06d}" for n in range(40) if f"{n:06d}" != code][:10]
    for i, guess in enumerate(guesses):  # from ten addresses: the per-ticket limit holds across addresses
        assert login(Client(), a.ticket.number, a.application.id_number, guess, ip=f"203.0.113.{i}").status_code == 400
    r = login(Client(), a.ticket.number, a.application.id_number, code, ip="203.0.113.200")
    assert r.status_code == 429
    assert "次数过多" in r.json()["detail"]
    assert not AttemptSession.objects.filter(attempt=a).exists()
    # the ticket's neighbour in the same room is not affected
    b = day.attempts[1]
    assert login(Client(), b.ticket.number, b.application.id_number, code, ip="203.0.113.201").status_code == 200
    assert AuditEntry.objects.filter(action="delivery.attempt.login_throttled").count() == 1


def test_ticket_number_spelling_does_not_escape_the_throttle(two_rooms, settings):
    settings.SKILLCERT_THROTTLE_EXAM_LOGIN_TICKET = (3, 600)
    day = two_rooms
    a = day.attempts[0]
    code = day.sittings[0].code
    for i, spelling in enumerate([a.ticket.number, f" {a.ticket.number} ", a.ticket.number.lower()]):
        login(Client(), spelling, a.application.id_number, _other_code(code), ip=f"203.0.113.{i}")
    assert login(Client(), a.ticket.number, a.application.id_number, code, ip="203.0.113.99").status_code == 429


def test_one_address_guessing_many_tickets_is_stopped(two_rooms, settings):
    settings.SKILLCERT_THROTTLE_EXAM_LOGIN_ADDRESS = (5, 600)
    day = two_rooms
    code = day.sittings[0].code
    for n in range(5):
        assert login(Client(), f"NO-SUCH-{n}", "110101199003070000", code, ip="192.0.2.66").status_code == 400
    a = day.attempts[0]
    assert login(Client(), a.ticket.number, a.application.id_number, code, ip="192.0.2.66").status_code == 429
    assert login(Client(), a.ticket.number, a.application.id_number, code, ip="192.0.2.67").status_code == 200


def test_successful_log_ins_are_not_counted(two_rooms, settings):
    """A room full of candidates behind one address logs in without tripping the address limit."""
    settings.SKILLCERT_THROTTLE_EXAM_LOGIN_ADDRESS = (2, 600)
    day = two_rooms
    code = day.sittings[0].code
    for a in day.attempts[:2]:
        assert login(Client(), a.ticket.number, a.application.id_number, code, ip="192.0.2.80").status_code == 200
    assert login(Client(), "NO-SUCH", "1", code, ip="192.0.2.80").status_code == 400
