"""No acknowledged answer is ever lost (§6.3.1.2): duplicated, reordered and racing saves and a submission
thrown at one attempt. The stored answer of every item is always the one with the highest acknowledged
sequence number, and nothing changes after the submission."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from skillcert.delivery import services as s
from skillcert.delivery.enums import AttemptStatus
from skillcert.delivery.models import Answer, Attempt
from tests.conftest import need_postgres

from .conftest import login, make_exam_day, started


def _change(items: list[dict], seq: int) -> dict:
    """What client sequence number ``seq`` carried: one fixed (position, value) per number, as in the player."""
    it = items[(seq * 7) % len(items)]
    if it["options"]:
        keys = [o["key"] for o in it["options"]]
        value = sorted(keys[: 1 + seq % 2]) if it["type"] == "multiple" else keys[seq % len(keys)]
    else:
        value = f"第{seq}次作答"
    return {"seq": seq, "position": it["position"], "value": value}


def _open(day) -> tuple[int, list[dict]]:
    started(day)
    day.sitting.refresh_from_db()
    aid = s.attempt_for_token(login(day.attempts[0], day.sitting.code))
    return aid, s.attempt_paper(attempt_id=aid)


def _stored(aid: int) -> dict[int, tuple[int, object]]:
    return {a.position: (a.seq, a.value) for a in Answer.objects.filter(attempt_id=aid)}


@pytest.mark.django_db
def test_saves_state_machine():
    day = make_exam_day(n=1)
    aid, items = _open(day)

    class Saves(RuleBasedStateMachine):
        """Each example starts from the attempt as the services left it (answering, nothing saved): its changes
        are made inside a savepoint that ``teardown`` rolls back — no status is ever set by hand."""

        def __init__(self):
            super().__init__()
            assert Attempt.objects.get(pk=aid).status == AttemptStatus.ANSWERING and not _stored(aid)
            self.savepoint = transaction.savepoint()
            self.acked: dict[int, dict] = {}  # seq → change, acknowledged before the submission
            self.submitted_with: dict | None = None

        @rule(seqs=st.lists(st.integers(1, 60), min_size=1, max_size=8))
        def save(self, seqs):
            """A batch in any order, with duplicates (a retry after a lost acknowledgement)."""
            batch = [_change(items, q) for q in seqs]
            try:
                acked = s.answers_save(attempt_id=aid, saves=batch)
            except s.Closed:
                assert self.submitted_with is not None
                return
            assert self.submitted_with is None and sorted(acked) == sorted(seqs)
            for change in batch:
                self.acked[change["seq"]] = change

        @rule(first=st.lists(st.integers(1, 60), min_size=1, max_size=4),
              second=st.lists(st.integers(1, 60), min_size=1, max_size=4))
        def two_in_flight_arrive_reversed(self, first, second):
            """Two requests sent in order arrive in the opposite order."""
            self.save(second)
            self.save(first)

        @rule()
        def submit(self):
            try:
                s.attempt_submit(attempt_id=aid)
            except s.Closed:
                assert self.submitted_with is not None
                return
            assert self.submitted_with is None
            self.submitted_with = _stored(aid)

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        @invariant()
        def highest_acknowledged_sequence_is_kept(self):
            stored = _stored(aid)
            if self.submitted_with is not None:
                assert stored == self.submitted_with
                return
            best: dict[int, dict] = {}
            for change in self.acked.values():
                if change["seq"] > best.get(change["position"], {"seq": 0})["seq"]:
                    best[change["position"]] = change
            assert stored == {p: (c["seq"], c["value"]) for p, c in best.items()}

    run_state_machine_as_test(Saves, settings=settings(max_examples=40, stateful_step_count=12, deadline=None,
                                                       suppress_health_check=list(HealthCheck)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_saves_and_a_submission_on_postgresql():
    """Eight threads save at one attempt at once while it is submitted (real row locks): every save acknowledged
    before the submission is reflected, and every save after it is refused."""
    need_postgres()
    day = make_exam_day(n=1)
    aid, items = _open(day)
    barrier = threading.Barrier(9)
    acked: list[tuple[int, dict]] = []
    refused: list[int] = []
    lock = threading.Lock()

    def saver(k: int):
        try:
            barrier.wait()
            for j in range(25):
                change = _change(items, 1 + k + 8 * j)
                try:
                    s.answers_save(attempt_id=aid, saves=[change])
                    with lock:
                        acked.append((change["seq"], change))
                except s.Closed:
                    with lock:
                        refused.append(change["seq"])
        finally:
            connection.close()

    def submitter():
        try:
            barrier.wait()
            s.attempt_submit(attempt_id=aid)
        finally:
            connection.close()

    threads = [threading.Thread(target=saver, args=(k,)) for k in range(8)] + [threading.Thread(target=submitter)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = _stored(aid)
    best: dict[int, dict] = {}
    for seq, change in acked:
        if seq > best.get(change["position"], {"seq": 0})["seq"]:
            best[change["position"]] = change
    assert stored == {p: (c["seq"], c["value"]) for p, c in best.items()}
    assert len(acked) + len(refused) == 200
    assert Attempt.objects.get(pk=aid).status == AttemptStatus.SUBMITTED
