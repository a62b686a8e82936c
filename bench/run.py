"""Benchmarks for skillcert (``make bench``). Each prints its figure next to a floor measured in
the same run on the same machine, and the ratio between them, so the numbers mean something
on any hardware. Runs against a throw-away SQLite database; to measure PostgreSQL, point
BENCH_DATABASE_URL at a scratch database (its audit table is append-only, so use a fresh one).

audit.append   audit.record() per entry (lock the chain head, hash, insert, move the head)
               vs. floor: a plain ORM insert of the same row, no chain.
audit.verify   verify_chain() per entry (read, re-encode, hash, compare)
               vs. floor: one raw cursor read of the same rows and a sha256 of each row's text.
"""

from __future__ import annotations

import json
import os
import time

import _django  # noqa: F401  (sets up Django on a throw-away database)
from django.core.management import call_command
from django.db import connection, transaction

N = int(os.environ.get("BENCH_N", "3000"))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def report(name: str, figure: float, floor: float, unit: str, limit: float) -> bool:
    ratio = figure / floor if floor else float("inf")
    ok = ratio <= limit
    print(f"{name:<14} {figure:10.1f} {unit}   floor {floor:10.1f} {unit}   ratio {ratio:5.2f}  "
          f"(target ≤ {limit:.1f}) {'OK' if ok else 'OVER'}")
    return ok


def main() -> int:
    call_command("migrate", verbosity=0)
    import hashlib

    from django.utils import timezone

    from skillcert.core import audit

    def append_chain():
        for i in range(N):
            with transaction.atomic():
                audit.record(None, "bench.thing.done", actor_label="bench", data={"i": i, "考点": "崂山"})

    with connection.cursor() as cur:  # the floor writes the same row shape into a table with no chain
        cur.execute("CREATE TABLE bench_floor AS SELECT * FROM core_auditentry WHERE 1 = 0")
        for i, cols in enumerate(["seq", "hash", "at", "actor_id", "org_id", "action", "target_type, target_id"]):
            unique = "UNIQUE " if cols in ("seq", "hash") else ""
            cur.execute(f"CREATE {unique}INDEX bench_floor_{i} ON bench_floor ({cols})")

    def append_floor():
        now = timezone.now()
        for i in range(N):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    "INSERT INTO bench_floor (id, seq, at, actor_label, action, data, outcome, prev_hash, hash, "
                    "actor_id, org_id, target_type, target_id, target_label, ip) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL, '', '', '', NULL)",
                    (i, i, now, "bench", "bench.floor", json.dumps({"i": i, "考点": "崂山"}, ensure_ascii=False),
                     "success", "0" * 64, f"{i:064x}"))

    t_chain = timed(append_chain)
    t_floor = timed(append_floor)
    # The chain adds a locked read and a second write (the head) to every entry, through the ORM;
    # the floor is one raw INSERT. PostgreSQL (production) pays relatively less for the extra statements.
    ok = report("audit.append", t_chain / N * 1e6, t_floor / N * 1e6, "µs/entry",
                4.0 if connection.vendor == "postgresql" else 10.0)

    def verify_floor():
        with connection.cursor() as cur:
            cur.execute("SELECT seq, at, actor_id, actor_label, org_id, action, target_type, target_id, target_label, "
                        "data, ip, outcome, prev_hash, hash FROM core_auditentry ORDER BY seq")
            for row in cur.fetchall():
                hashlib.sha256(repr(row).encode()).hexdigest()

    t_verify = timed(lambda: audit.verify_chain())
    t_hash = timed(verify_floor)
    assert audit.verify_chain().ok
    ok &= report("audit.verify", t_verify / N * 1e6, t_hash / N * 1e6, "µs/entry", 8.0)
    print(f"({N} entries; database: {connection.vendor})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
