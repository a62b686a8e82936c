"""Kill the server mid-exam (§6.3.1.2): gunicorn serves simulated candidates who save answers the way the player
does (a queue that is resent until acknowledged); the server is SIGKILLed and restarted. Every answer
acknowledged before the kill is in the database afterwards, the clocks are unchanged, and once the queues
drain every answer is there."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from skillcert.delivery.models import Answer

from .conftest import make_exam_day, started

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    d = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{d['USER']}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"
    return f"sqlite:///{d['NAME']}"


class Server:
    def __init__(self, port: int):
        self.port, self.proc = port, None
        self.env = {**os.environ, "DATABASE_URL": _database_url(), "SKILLCERT_ITEM_KEY": settings.SKILLCERT_ITEM_KEY,
                    "SKILLCERT_DEBUG": "1", "PYTHONUNBUFFERED": "1"}

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "skillcert.wsgi:application", "-b", f"127.0.0.1:{self.port}",
             "-w", "2", "--timeout", "30", "--graceful-timeout", "1"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # master and workers, no chance to finish anything
        self.proc.wait()


def _call(port, method, path, body=None, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/exam/v1{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=5) as r:  # noqa: S310 — http://127.0.0.1 only
        return json.loads(r.read())


class Candidate:
    """A player: every change goes into a queue; the queue is resent until acknowledged."""

    def __init__(self, port, attempt, code):
        self.port = port
        body = {"ticket_number": attempt.ticket.number, "id_number": attempt.application.id_number,
                "room_code": code}
        self.token = _call(port, "POST", "/login", body)["token"]
        self.items = _call(port, "GET", "/paper", token=self.token)["items"]
        self.attempt_id = attempt.pk
        self.seq, self.queue, self.acked, self.final = 0, [], {}, {}
        self.lock = threading.Lock()

    def change(self) -> None:
        self.seq += 1
        it = self.items[self.seq % len(self.items)]
        value = it["options"][self.seq % len(it["options"])]["key"] if it["type"] in ("single", "judge") else (
            [it["options"][0]["key"]] if it["type"] == "multiple" else f"答案{self.seq}")
        change = {"seq": self.seq, "position": it["position"], "value": value}
        self.queue = [q for q in self.queue if q["position"] != it["position"]] + [change]
        self.final[it["position"]] = (self.seq, value)

    def flush(self) -> bool:
        if not self.queue:
            return True
        try:
            acked = set(_call(self.port, "POST", "/answers", {"saves": self.queue}, token=self.token)["acked"])
        except (OSError, urllib.error.URLError):
            return False
        with self.lock:
            for q in self.queue:
                if q["seq"] in acked:
                    self.acked[q["position"]] = max(self.acked.get(q["position"], (0, None)), (q["seq"], q["value"]))
        self.queue = [q for q in self.queue if q["seq"] not in acked]
        return not self.queue

    def snapshot(self) -> dict:
        with self.lock:
            return dict(self.acked)


@pytest.mark.django_db(transaction=True)
def test_killing_the_server_loses_no_acknowledged_answer():
    day = make_exam_day(n=6)
    started(day)
    day.sitting.refresh_from_db()
    server = Server(_free_port())
    server.start()
    try:
        people = [Candidate(server.port, a, day.sitting.code) for a in day.attempts]
        clocks = {p.attempt_id: _call(server.port, "GET", "/time", token=p.token)["deadline"] for p in people}
        stop = threading.Event()

        def work(p: Candidate):
            while not stop.is_set():
                p.change()
                p.flush()
                time.sleep(0.02)

        threads = [threading.Thread(target=work, args=(p,)) for p in people]
        for t in threads:
            t.start()
        time.sleep(1.5)
        server.kill()
        acked_before_kill = {p.attempt_id: p.snapshot() for p in people}
        time.sleep(0.5)  # candidates keep answering while the server is down
        server.start()
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join()
        # Every answer acknowledged before the kill survived it (a later one may have replaced it).
        for p in people:
            stored = {a.position: a.seq for a in Answer.objects.filter(attempt_id=p.attempt_id)}
            for position, (seq, _value) in acked_before_kill[p.attempt_id].items():
                assert stored.get(position, 0) >= seq
        assert sum(len(v) for v in acked_before_kill.values()) > 0
        # The clocks are the server's, not the process's: unchanged by the restart.
        assert {p.attempt_id: _call(server.port, "GET", "/time", token=p.token)["deadline"] for p in people} == clocks
        # Drain the queues: then every change is in the database, exactly.
        for p in people:
            for _ in range(50):
                if p.flush():
                    break
                time.sleep(0.1)
            stored = {a.position: (a.seq, a.value) for a in Answer.objects.filter(attempt_id=p.attempt_id)}
            assert stored == p.final
    finally:
        if server.proc and server.proc.poll() is None:
            server.kill()
