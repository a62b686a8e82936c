"""Certificate benchmark (issue #9): public verification under load with 1,000,000 certificates, and issuing.

verify     the verification API (``/api/verify/v1/certificates?number=…&name=…``, as deployed: gunicorn with
           BENCH_WORKERS (5) sync workers on 2 cores, production settings, one trusted proxy so each client has its
           own address) over 1,000,000 certificates on PostgreSQL; BENCH_CLIENTS (8) clients in a closed loop for
           BENCH_SECONDS (15) s, one request per connection, each a random certificate (one in ten with a wrong
           name: a miss), each from one of 5,000 client addresses. Floor: the same load against a minimal view
           that selects the row by the same unique index (bench/_verify_floor.py: same server, settings,
           middleware and database). Targets: throughput ≥ 0.7 × the floor's, p95 ≤ 50 ms. Also measured, for
           issue #21 item 8: the same lookup written with the ORM and the cache throttle (bench/_verify_orm.py,
           ``/orm/``), so the product's one raw SQL statement is priced against the plain way. The three
           loads run interleaved BENCH_ROUNDS (2) times. The server's cache is Redis (BENCH_REDIS_URL,
           database 15 of the local server by default; empty: none), as deployed, so the throttle is shared by
           every worker.
issue      ``services.issue_certificates`` for one batch of BENCH_ISSUE (10,000) published passing results
           (numbers allocated per level, rows written, holders notified, audited) and the print-ready PDF of
           all of them (``documents.certificate_pdf``, paper, as printed on the stock). Floor: a minimal ReportLab
           page per certificate with the same font and the same QR code (the verification URL with the signed
           token, computed before the floor's clock starts) — the number and the name drawn, nothing else.
           Target: certificates per second ≥ 0.5 × the floor's pages per second.

BENCH_PARTS=verify runs the lookups only (on certificates copied from the test fixture's few).

Needs PostgreSQL: BENCH_DATABASE_URL names a scratch database, or ``skillcert_bench_certificates`` is
(re)created on postgres://postgres@127.0.0.1:5432; skipped with the reason without a server.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import sys
import time
from pathlib import Path

from _pg import drop_scratch, scratch_database

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = "skillcert_bench_certificates"
TOTAL = int(os.environ.get("BENCH_CERTIFICATES", "1000000"))
ISSUE = int(os.environ.get("BENCH_ISSUE", "10000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
ADDRESSES = 5000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
PARTS = os.environ.get("BENCH_PARTS", "issue,verify").split(",")  # BENCH_PARTS=verify: the lookups only
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")  # empty: no Redis (the cache per worker)


def clone(model, pk: int, n: int, overrides: dict[str, str]) -> None:
    """``n`` copies of one row of ``model`` in one INSERT … SELECT, ``overrides`` giving column → SQL expression
    over ``g`` (1 … n). Setup only."""
    from django.db import connection

    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
    select = [overrides.get(c, f"src.{c}") for c in columns]
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(select)} "  # noqa: S608 — setup
                    f"FROM generate_series(1, %s) g, (SELECT * FROM {table} WHERE id = %s) src", [n, pk])


def millions(cert) -> list[tuple[str, str]]:
    """TOTAL certificates copied from ``cert`` with their own numbers (years 10…, level 4), names and ID numbers;
    returns a way to name any of them."""
    from django.db import connection

    from skillcert.certificates.models import Certificate

    prefix = cert.number[:13]
    t = time.perf_counter()
    clone(Certificate, cert.pk, TOTAL, {
        "number": f"'{prefix}' || lpad((10 + g / 100000)::text, 2, '0') || '4' "
                  "|| lpad((g %% 100000 + 1)::text, 6, '0')",
        "name": "'考生' || g", "id_number": "lpad(g::text, 18, '0')"})
    with connection.cursor() as cur:
        cur.execute("ANALYZE certificates_certificate")
    print(f"setup: {TOTAL:,} certificates ({time.perf_counter() - t:.0f} s, not measured)", flush=True)

    def pick(g: int) -> tuple[str, str]:
        return f"{prefix}{10 + g // 100000:02d}4{g % 100000 + 1:06d}", f"考生{g}"
    return pick


# --- load ---------------------------------------------------------------------------------------------------

async def get(port: int, path: str, forwarded: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      f"X-Forwarded-For: {forwarded}\r\n\r\n").encode())
        raw = await reader.read()
    finally:
        writer.close()
    return int(raw.split(b" ", 2)[1])


async def load(port: int, url: str, pick, stats) -> None:
    from urllib.parse import urlencode

    rng = random.Random(7)
    stop = time.perf_counter() + SECONDS

    async def client():
        while time.perf_counter() < stop:
            number, name = pick(rng.randrange(1, TOTAL + 1))
            if rng.random() < 0.1:
                name += "甲"
            address = rng.randrange(ADDRESSES)
            forwarded = f"10.0.{address // 250}.{address % 250 + 1}"
            started = time.perf_counter()
            try:
                status = await get(port, f"{url}?{urlencode({'number': number, 'name': name})}", forwarded)
            except OSError as exc:
                stats.error(exc.__class__.__name__)
                continue
            if status != 200:
                stats.error(f"HTTP {status}")
                continue
            stats.ok(started, time.perf_counter())

    await asyncio.gather(*(client() for _ in range(CLIENTS)))


def merged(rounds):
    """One Stats of several rounds: every latency and error, and the throughput over the rounds' own time."""
    from delivery import Stats

    total = Stats()
    elapsed = sum(r.last - r.first for r in rounds if r.latencies)
    for r in rounds:
        total.latencies += r.latencies
        for what, n in r.errors.items():
            total.errors[what] = total.errors.get(what, 0) + n
    total.throughput = lambda: len(total.latencies) / elapsed if elapsed else 0.0
    return total


def verify_figures(pick) -> bool:
    from delivery import Gunicorn, Stats

    os.environ["SKILLCERT_TRUSTED_PROXY_COUNT"] = "1"
    if REDIS_URL:  # as deployed: the cache (the verification throttle) is Redis, shared by every worker
        os.environ["REDIS_URL"] = REDIS_URL
    number, _name = pick(1)
    with Gunicorn("_verify_floor", warm=f"/floor/?number={number}") as server:
        asyncio.run(load(server.port, "/floor/", pick, Stats()))  # warm every path's caches alike, then measure
        asyncio.run(load(server.port, "/orm/", pick, Stats()))
        rounds = {"floor": [], "orm": [], "api": []}
        for _round in range(ROUNDS):  # interleaved, so a busy moment of the machine weighs on all three alike
            for path, key in (("/floor/", "floor"), ("/api/verify/v1/certificates", "api"), ("/orm/", "orm")):
                rounds[key].append(Stats())
                asyncio.run(load(server.port, path, pick, rounds[key][-1]))
    floor, api, orm = (merged(rounds[key]) for key in ("floor", "api", "orm"))
    print(floor.line("floor (select)"), flush=True)
    print(api.line("verify API (raw SQL)"), flush=True)
    print(orm.line("ORM + cache (_verify_orm)"), flush=True)
    ratio = api.throughput() / floor.throughput() if floor.throughput() else 0.0
    orm_ratio = orm.throughput() / floor.throughput() if floor.throughput() else 0.0
    ok = ratio >= 0.7 and api.pct(95) <= 50 and not api.n_errors
    print(f"verify     ratio {ratio:.2f} of the floor's throughput (target ≥ 0.7), p95 {api.pct(95):.1f} ms "
          f"(target ≤ 50) {'OK' if ok else 'OVER'}; written with the ORM + cache: ratio {orm_ratio:.2f}, p95 "
          f"{orm.pct(95):.1f} ms; ORM + cache / raw SQL = {orm_ratio / ratio if ratio else 0:.2f}"
          f"{'' if REDIS_URL else ' (no Redis: the throttle counted per worker)'}", flush=True)
    return ok


# --- issuing ------------------------------------------------------------------------------------------------

def passed_results(n: int):
    """A published batch with ``n`` passing results, copied from the test fixture's (setup, not measured)."""
    from django.db import connection

    sys.path.insert(0, str(ROOT))
    from tests.certificates.conftest import passed_batch

    from skillcert.accounts.models import User
    from skillcert.grading.models import Result
    from skillcert.papers import bankcheck
    from skillcert.registration.models import Application

    bankcheck.ENFORCED = False  # the test fixture's bank is far below §7.1.3.2's sizes, as in the test suite
    day, batch, results, supervisor, admin = passed_batch()
    model = results[1]
    app = model.application
    t = time.perf_counter()
    clone(User, app.candidate_id, n, {"username": "'bench_holder_' || g", "id_number": "'B' || lpad(g::text, 17, '0')",
                                      "email": "''"})
    clone(Application, app.pk, n, {
        "candidate_id": "(SELECT id FROM accounts_user WHERE username = 'bench_holder_' || g)",
        "full_name": "'持证人' || g", "id_number": "'B' || lpad(g::text, 17, '0')", "receipt_number": "''"})
    clone(Result, model.pk, n, {"application_id": "(SELECT a.id FROM registration_application a JOIN accounts_user u "
                                                  "ON u.id = a.candidate_id WHERE u.username = 'bench_holder_' || g)"})
    Result.objects.filter(pk__in=[r.pk for r in results]).update(passed=False)  # only the n copies pass
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"setup: {n:,} passing results ({time.perf_counter() - t:.0f} s, not measured)", flush=True)
    return day, batch, supervisor, admin


def floor_pages(certs) -> float:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    from skillcert.certificates import signing
    from skillcert.certificates.documents import verify_url
    from skillcert.core.pdf import cjk_font, draw_qr

    font = cjk_font()
    key = signing.private_key()
    urls = [verify_url(signing.sign(cert, key)) for cert in certs]
    start = time.perf_counter()
    c = Canvas(io.BytesIO(), pagesize=landscape(A4))
    for cert, url in zip(certs, urls, strict=True):
        c.setFont(font, 14)
        c.drawString(100, 400, cert.name)
        c.drawString(100, 370, cert.number)
        draw_qr(c, url, 600, 300, 120)
        c.showPage()
    c.save()
    return time.perf_counter() - start


def issue_figures() -> bool:
    from skillcert.certificates import services
    from skillcert.certificates.documents import certificate_pdf

    day, batch, supervisor, admin = passed_results(ISSUE)
    issue = services.issue_submit(actor=day.officer, batch_id=batch.pk)
    services.issue_review(actor=supervisor, issue_id=issue.pk, approve=True)
    start = time.perf_counter()
    certs = services.issue_certificates(actor=admin, issue_id=issue.pk)
    numbers = time.perf_counter() - start
    pdf = certificate_pdf(certs, electronic=False)
    total = time.perf_counter() - start
    assert len(certs) == ISSUE and pdf.startswith(b"%PDF")
    floor = floor_pages(certs)
    rate, floor_rate = ISSUE / total, ISSUE / floor
    ok = rate >= 0.5 * floor_rate
    print(f"issue      {ISSUE:,} certificates in {total:.1f} s (numbers and rows {numbers:.1f} s, PDF "
          f"{total - numbers:.1f} s, {len(pdf) / 1e6:.0f} MB) = {rate:.0f}/s   floor {floor_rate:.0f} pages/s   "
          f"ratio {rate / floor_rate:.2f} (target ≥ 0.5) {'OK' if ok else 'OVER'}", flush=True)
    return ok


def fixture_certificates() -> list:
    """The test fixture's passing results issued (setup only): something for ``millions`` to copy."""
    from skillcert.certificates import services
    from skillcert.papers import bankcheck

    sys.path.insert(0, str(ROOT))
    from tests.certificates.conftest import passed_batch

    bankcheck.ENFORCED = False  # the test fixture's bank is far below §7.1.3.2's sizes, as in the test suite
    day, batch, _results, supervisor, admin = passed_batch()
    issue = services.issue_submit(actor=day.officer, batch_id=batch.pk)
    services.issue_review(actor=supervisor, issue_id=issue.pk, approve=True)
    return services.issue_certificates(actor=admin, issue_id=issue.pk)


def main() -> int:
    if scratch_database(SCRATCH) is None:
        return 0
    try:
        import _django  # noqa: F401  (Django on the scratch database)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        ok_issue = issue_figures() if "issue" in PARTS else bool(fixture_certificates())
        from skillcert.certificates.models import Certificate

        pick = millions(Certificate.objects.order_by("pk").first())
        connection.close()  # the server gets the database to itself
        ok_verify = verify_figures(pick)
        return 0 if ok_issue and ok_verify else 1
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop_scratch(SCRATCH)


if __name__ == "__main__":
    sys.exit(main())
