"""Exam-day benchmark (issue #7, §6.3.1.2): 2,000 candidates on gunicorn + PostgreSQL.

Server     gunicorn as docs/operations.md deploys an app node of 2 cores (5 sync workers, ``skillcert.wsgi``,
           production settings: DEBUG off, persistent database connections) on a scratch PostgreSQL database.
Setup      (not measured) 2,000 approved candidates of 碳排放核算员 中级 seated in 67 computer rooms of 30, tickets
           issued, the chief's sign-off of every room, the paper assembled and sealed, everyone checked in.
log-in    all 2,000 candidates log in at one instant (ticket + ID number + room code), as they do after the
           proctor announces the room code and before the start signal; then the chief starts every room.
start      synchronised start: at one instant all 2,000 players ask for their paper (the first fetch starts
           the attempt and fixes its shuffle; the player asks within 3 s of the start). Figure: seconds until
           the last attempt has its paper. Target ≤ 30 s.
autosave   then each candidate saves one answer every 15 s (a random phase each) for BENCH_MINUTES (5) minutes,
           the way the player does: the change goes into a queue that is resent until acknowledged.
           Figures: throughput, p50/p95/p99 latency, errors; afterwards every acknowledged save is compared with
           the database (lost = stored sequence lower than an acknowledged one). Targets: 0 errors, 0 lost,
           p99 ≤ 200 ms.
capacity   closed loop: BENCH_CLIENTS (40) clients save as fast as answers come back, for BENCH_BURST (20) s.
floor      the same two loads (paced and closed loop) against a minimal Django view that upserts one row
           (bench/_floor.py: the same settings, middleware, database and gunicorn command), measured in this
           run. Target: autosave throughput under the same (paced) load ≥ 0.6 × the floor's. The ratio at
           capacity is printed for information: it prices what a bare upsert does not do (check the log-in
           token and write the heartbeat, lock the attempt against submission and the deadline, validate each
           answer against the paper, commit once).
memory     the peak resident set size (VmHWM) of each gunicorn worker. Target ≤ 300 MB.

Needs PostgreSQL: BENCH_DATABASE_URL names a scratch database, or a database ``skillcert_bench_delivery`` is
(re)created on postgres://postgres@127.0.0.1:5432. The load generator is a small asyncio HTTP/1.1 client in this
process (one connection per request, as gunicorn's sync workers close them).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from _pg import drop_scratch, scratch_database

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "2000"))
MINUTES = float(os.environ.get("BENCH_MINUTES", "5"))
INTERVAL = 15.0
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "40"))
BURST = float(os.environ.get("BENCH_BURST", "20"))
WORKERS = 5  # 2 cores: 2 × cores + 1, as docs/operations.md
SCRATCH = "skillcert_bench_delivery"


# --- the server ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """``warm``: a URL asked for many times at once after the start, so that every worker has loaded the app and
    opened its database connection before anything is measured (gunicorn loads the app in each worker)."""

    def __init__(self, settings_module: str, warm: str):
        self.warm = warm
        from django.conf import settings

        self.port = free_port()
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "SKILLCERT_DEBUG": "0",
                    "SKILLCERT_SECRET_KEY": secrets.token_urlsafe(50), "SKILLCERT_ALLOWED_HOSTS": "127.0.0.1",
                    "SKILLCERT_SSL_REDIRECT": "0", "SKILLCERT_ITEM_KEY": settings.SKILLCERT_ITEM_KEY,
                    "SKILLCERT_LOG_LEVEL": "WARNING"}
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(  # noqa: S603 — our own gunicorn, fixed arguments
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "skillcert.wsgi:application", "--pythonpath", "src,bench",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS), "--timeout", "180",
             "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(self.workers()) == WORKERS:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        break
                except OSError:
                    pass
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        statuses = asyncio.run(self._warm())
        if set(statuses) != {200}:
            raise RuntimeError(f"gunicorn answered the warm-up with {sorted(set(statuses))}")
        return self

    async def _warm(self) -> list[int]:
        replies = await asyncio.gather(*(http(self.port, "GET", self.warm, timeout=180)  # a busy machine loads slowly
                                         for _ in range(10 * WORKERS)))
        return [status for status, _ in replies]

    def __exit__(self, *exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(entry.name))
        return pids

    def peak_rss_mb(self) -> list[float]:
        """VmHWM of each worker: the most memory it has held since it started."""
        peaks = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return peaks


# --- the load generator -------------------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.first = self.last = None

    def ok(self, started: float, ended: float) -> None:
        self.latencies.append(ended - started)
        self.first = started if self.first is None else min(self.first, started)
        self.last = ended if self.last is None else max(self.last, ended)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def n_errors(self) -> int:
        return sum(self.errors.values())

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000 if xs else float("nan")

    def throughput(self) -> float:
        return len(self.latencies) / (self.last - self.first) if self.latencies else 0.0

    def line(self, name: str) -> str:
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "0"
        return (f"{name:<18} {len(self.latencies):6d} ok  {self.throughput():7.1f} req/s   p50 {self.pct(50):6.1f} ms"
                f"   p95 {self.pct(95):6.1f} ms   p99 {self.pct(99):6.1f} ms   errors {errors}")


async def http(port: int, method: str, path: str, body=None, token: str | None = None,
               timeout: float = 60) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else b""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            + (f"Authorization: Bearer {token}\r\n" if token else "") + "\r\n")

    async def exchange():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(head.encode() + data)
            return await reader.read()
        finally:
            writer.close()

    raw = await asyncio.wait_for(exchange(), timeout)
    status_line, _, rest = raw.partition(b"\r\n")
    payload = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), (json.loads(payload) if payload else None)


async def measured(stats: Stats, port: int, method: str, path: str, body=None, token: str | None = None):
    """One request counted in ``stats``: its latency when it answers 200, else an error; the reply or None."""
    started = time.perf_counter()
    try:
        status, reply = await http(port, method, path, body, token)
    except (TimeoutError, OSError) as exc:
        stats.error(exc.__class__.__name__)
        return None
    if status != 200:
        stats.error(f"HTTP {status}")
        return None
    stats.ok(started, time.perf_counter())
    return reply


@dataclass
class Candidate:
    index: int
    attempt_id: int
    ticket: str
    id_number: str
    code: str
    token: str = ""
    items: list = field(default_factory=list)
    seq: int = 0
    queue: list = field(default_factory=list)
    acked: dict = field(default_factory=dict)

    def change(self) -> None:
        """The next answer, on the next item in the candidate's order: a valid value of the item's type."""
        self.seq += 1
        it = self.items[self.seq % len(self.items)]
        if it["type"] in ("single", "judge"):
            value = it["options"][self.seq % len(it["options"])]["key"]
        elif it["type"] == "multiple":
            value = sorted({it["options"][0]["key"], it["options"][self.seq % len(it["options"])]["key"]})
        else:
            value = f"第{self.seq}次作答：排放量 = 活动数据 × 排放因子"
        self.queue = [q for q in self.queue if q["position"] != it["position"]]
        self.queue.append({"seq": self.seq, "position": it["position"], "value": value})

    async def flush(self, port: int, stats: Stats) -> None:
        if not self.queue:
            return
        sent = list(self.queue)
        body = await measured(stats, port, "POST", "/api/exam/v1/answers", {"saves": sent}, self.token)
        if body is None:
            return
        acked = set(body["acked"])
        for q in sent:
            if q["seq"] in acked:
                self.acked[q["position"]] = max(self.acked.get(q["position"], 0), q["seq"])
        self.queue = [q for q in self.queue if q["seq"] not in acked]


async def login_wave(port: int, people: list[Candidate]) -> Stats:
    """Everyone logs in at once (ticket + ID number + room code), before the start signal."""
    stats = Stats()

    async def one(c: Candidate):
        body = await measured(stats, port, "POST", "/api/exam/v1/login",
                              {"ticket_number": c.ticket, "id_number": c.id_number, "room_code": c.code})
        c.token = body["token"] if body else ""

    await asyncio.gather(*(one(c) for c in people))
    return stats


async def start_storm(port: int, people: list[Candidate]) -> tuple[Stats, float]:
    """At the start signal every player asks for its paper at the same instant (the first fetch starts the
    attempt); returns the latencies and the seconds until the last attempt had its paper."""
    stats = Stats()

    async def one(c: Candidate):
        body = await measured(stats, port, "GET", "/api/exam/v1/paper", token=c.token)
        c.items = body["items"] if body else []

    t0 = time.perf_counter()
    await asyncio.gather(*(one(c) for c in people if c.token))
    return stats, (stats.last or t0) - t0


async def paced(people: list[Candidate], send) -> None:
    """Each candidate acts every INTERVAL seconds from a random phase, for MINUTES minutes."""
    loop = asyncio.get_running_loop()
    begin, end = loop.time(), loop.time() + MINUTES * 60
    rng = random.Random(11)

    async def run(c: Candidate, phase: float):
        due = begin + phase
        while due < end:
            await asyncio.sleep(max(0.0, due - loop.time()))
            await send(c)
            due += INTERVAL

    await asyncio.gather(*(run(c, rng.uniform(0, INTERVAL)) for c in people))


async def closed_loop(people: list[Candidate], send) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + BURST

    async def run(c: Candidate):
        while loop.time() < end:
            await send(c)

    await asyncio.gather(*(run(c) for c in people[:CLIENTS]))


async def drain(port: int, people: list[Candidate]) -> None:
    await asyncio.gather(*(c.flush(port, Stats()) for c in people if c.queue))


def floor_sender(port: int, stats: Stats):
    async def send(c: Candidate) -> None:
        c.change()
        await measured(stats, port, "POST", "/floor/", {"client": c.index, **c.queue.pop()})
    return send


def save_sender(port: int, stats: Stats):
    async def send(c: Candidate) -> None:
        c.change()
        await c.flush(port, stats)
    return send


# --- the run ------------------------------------------------------------------------------------------------

def exam_day():
    """The exam day up to the start signal: everyone seated, ticketed and checked in by the chief."""
    sys.path.insert(0, str(ROOT))
    from tests.delivery.conftest import make_exam_day

    from skillcert.delivery import services as delivery
    from skillcert.delivery.models import Attempt
    from skillcert.papers import bankcheck

    bankcheck.ENFORCED = False  # the test fixture's bank is far below §7.1.3.2's sizes, as in the test suite
    t = time.perf_counter()
    day = make_exam_day(CANDIDATES, room_size=30, duration=120, starts_ago_minutes=1)
    for sitting in day.sittings:
        for number in sitting.attempts.values_list("ticket__number", flat=True):
            delivery.check_in(actor=day.chief, sitting_id=sitting.pk, ticket=number)
    rows = (Attempt.objects.filter(sitting__session=day.session).order_by("pk")
            .values_list("pk", "ticket__number", "application__id_number", "sitting__code"))
    people = [Candidate(i, *row) for i, row in enumerate(rows)]
    print(f"setup: {len(people)} candidates in {len(day.sittings)} rooms, seated, ticketed and checked in "
          f"({time.perf_counter() - t:.0f} s, not measured)", flush=True)
    return day, people


def start_rooms(day) -> float:
    """统一开考: the chief starts every room (the first start releases the sealed paper)."""
    from django.db import connection

    from skillcert.delivery import services as delivery

    t = time.perf_counter()
    for sitting in day.sittings:
        delivery.room_start(actor=day.chief, sitting_id=sitting.pk)
    connection.close()
    return time.perf_counter() - t


def lost_saves(people: list[Candidate]) -> tuple[int, int]:
    from skillcert.delivery.models import Answer

    stored = {(a, p): s for a, p, s in Answer.objects.values_list("attempt_id", "position", "seq")}
    acked = lost = 0
    for c in people:
        for position, seq in c.acked.items():
            acked += 1
            if stored.get((c.attempt_id, position), 0) < seq:
                lost += 1
    return acked, lost


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def main() -> int:
    if scratch_database(SCRATCH) is None:
        return 0
    try:
        return run()
    finally:  # the scratch database goes, whatever happened
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop_scratch(SCRATCH)


def run() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))

    import _django  # noqa: F401  (sets up Django on the scratch database)
    import _floor
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    day, people = exam_day()
    connection.close()  # the servers get the database to themselves

    save_paced, save_burst = Stats(), Stats()
    with Gunicorn("skillcert.settings", warm="/healthz") as server:
        logins = asyncio.run(login_wave(server.port, people))
        print(logins.line("log-in wave"), flush=True)
        print(f"start: the chief started {len(day.sittings)} rooms in {start_rooms(day):.1f} s", flush=True)
        papers, start_seconds = asyncio.run(start_storm(server.port, people))
        print(papers.line("start: paper"), flush=True)
        print(f"start: {len(papers.latencies)} of {len(people)} attempts started in {start_seconds:.1f} s",
              flush=True)
        ready = [c for c in people if c.items]
        asyncio.run(paced(ready, save_sender(server.port, save_paced)))
        print(save_paced.line("autosave (paced)"), flush=True)
        asyncio.run(closed_loop(ready, save_sender(server.port, save_burst)))
        print(save_burst.line("autosave (burst)"), flush=True)
        # What a queue still holds after an error is resent, as the player does on reconnecting.
        asyncio.run(drain(server.port, ready))
        memory = server.peak_rss_mb()
    acked, lost = lost_saves(ready)
    with connection.cursor() as cur:
        cur.execute(_floor.CREATE)
    connection.close()
    floor_paced, floor_burst = Stats(), Stats()
    with Gunicorn("_floor", warm="/floor/") as floor:
        asyncio.run(paced(ready, floor_sender(floor.port, floor_paced)))
        print(floor_paced.line("floor (paced)"), flush=True)
        asyncio.run(closed_loop(ready, floor_sender(floor.port, floor_burst)))
        print(floor_burst.line("floor (burst)"), flush=True)

    paced_ratio = save_paced.throughput() / floor_paced.throughput() if floor_paced.throughput() else 0
    burst_ratio = save_burst.throughput() / floor_burst.throughput() if floor_burst.throughput() else 0
    errors = logins.n_errors + papers.n_errors + save_paced.n_errors + save_burst.n_errors
    checks = [
        (f"errors {errors}", "0", errors == 0),
        (f"lost acknowledged saves {lost} of {acked}", "0", lost == 0 and acked > 0),
        (f"autosave p99 {save_paced.pct(99):.1f} ms", "≤ 200 ms", save_paced.pct(99) <= 200),
        (f"all {len(people)} attempts started in {start_seconds:.1f} s", "≤ 30 s",
         len(papers.latencies) == len(people) and start_seconds <= 30),
        (f"autosave throughput paced {save_paced.throughput():.1f} req/s, floor {floor_paced.throughput():.1f} "
         f"req/s, ratio {paced_ratio:.2f}", "≥ 0.6", paced_ratio >= 0.6),
        (f"worker peak memory {max(memory):.0f} MB (of {len(memory)} workers)", "≤ 300 MB", max(memory) <= 300),
    ]
    print()
    for text, target, ok in checks:
        print(f"{text:<92} target {target:<9} {verdict(ok)}")
    capacity = (f"autosave throughput at capacity {save_burst.throughput():.1f} req/s, floor "
                f"{floor_burst.throughput():.1f} req/s, ratio {burst_ratio:.2f}")
    print(f"{capacity:<92} (for information)")
    print(f"({len(people)} candidates, {MINUTES:g} min at one save per {INTERVAL:g} s, {WORKERS} gunicorn workers, "
          f"database: postgresql)")
    return 0 if all(ok for _, _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
