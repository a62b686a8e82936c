"""Scheduling benchmark (issue #4): seat 10,000 candidates and render all 10,000 admission tickets.

figure 1  services.allocate(): one computer-based session, 10,000 approved candidates of four trade ×
          level groups, 334 rooms of 30 plus an emergency room; mixed seating, constraints, audit.
figure 2  tickets per second: tasks.render_batch_tickets() — load (four queries), sign each QR token
          (Ed25519), read each photo, draw and merge one PDF per room, zip them — exactly the job the
          console starts.
floor     a minimal one-page ReportLab PDF with the same embedded CJK font and a QR code, rendered as
          many times as the floor sample, measured in this run (pages per second).
memory    peak resident set size of this process (ru_maxrss).

Targets: allocation ≤ 5 s; ticket throughput ≥ 0.5 × the floor; peak memory ≤ 500 MB. Runs on a
throw-away SQLite database unless BENCH_DATABASE_URL names a scratch database.
"""

from __future__ import annotations

import io
import os
import resource
import time

import _django  # noqa: F401  (sets up Django on a throw-away database)
from django.core.management import call_command
from django.db import connection

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "10000"))
FLOOR_PAGES = int(os.environ.get("BENCH_FLOOR_PAGES", "1000"))


def world():
    from registration_import import workbook
    from registration_import import world as registration_world

    from skillcert.registration.imports import import_applications
    from skillcert.registration.models import Application, CandidateProfile

    os.environ["BENCH_ROWS"] = str(CANDIDATES)
    officer, ann, trades = registration_world()
    import registration_import

    registration_import.ROWS = CANDIDATES
    result = import_applications(actor=officer, announcement_id=ann.pk, data=workbook(trades), file_name="b.xlsx")
    assert result.ok, result.errors[:3]
    # Setup, not measured: approve everyone and give each candidate a photo file of their own.
    Application.objects.filter(announcement=ann).update(status="approved", eligible=True)
    from django.core.files.storage import default_storage
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (295, 413), (67, 142, 219)).save(buffer, "JPEG", quality=85)
    profiles = list(CandidateProfile.objects.filter(user__applications__announcement=ann))
    for p in profiles:
        p.photo.name = default_storage.save(f"photos/{p.user_id}/photo.jpg", io.BytesIO(buffer.getvalue()))
    CandidateProfile.objects.bulk_update(profiles, ["photo"], batch_size=2000)
    return officer, ann


def rooms(officer, ann):
    from skillcert.scheduling import services
    from skillcert.scheduling.enums import FACILITIES

    venue = ann.venues.get()
    services.venue_profile_save(actor=officer, venue=venue, facilities=dict.fromkeys(FACILITIES, True),
                                support_staff={})
    made = [services.room_save(actor=officer, venue=venue, name=f"第{i + 1:03d}考场", kind="computer", capacity=30,
                               columns=6, spacing_cm=90) for i in range(-(-CANDIDATES // 30))]
    made.append(services.room_save(actor=officer, venue=venue, name="应急考场", kind="computer", capacity=30,
                                   is_emergency=True))
    return made


def floor_rate(token: str) -> float:
    """Pages per second of a minimal one-page PDF: the embedded CJK font, one line, one QR code."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from skillcert.core.pdf import cjk_font, draw_qr

    font = cjk_font()
    start = time.perf_counter()
    for i in range(FLOOR_PAGES):
        out = io.BytesIO()
        c = Canvas(out, pagesize=A4, pageCompression=1)
        c.setFont(font, 14)
        c.drawString(72, 760, f"职业技能等级认定准考证 {i:05d}")
        draw_qr(c, token, 400, 600, 110)
        c.showPage()
        c.save()
    return FLOOR_PAGES / (time.perf_counter() - start)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    call_command("migrate", verbosity=0)
    from skillcert.core.models import Job
    from skillcert.scheduling import services, tasks
    from skillcert.scheduling.models import AdmissionTicket, SeatAssignment

    officer, ann = world()
    phases = {"setup": rss_mb()}
    made = rooms(officer, ann)
    batch = services.batch_create(actor=officer, announcement=ann, name="基准批次")
    import datetime as dt

    from django.utils import timezone

    start_at = timezone.now() + dt.timedelta(days=30)
    session = services.session_add(actor=officer, batch_id=batch.pk, kind="theory_computer", starts_at=start_at,
                                   ends_at=start_at + dt.timedelta(hours=2), duration_minutes=90,
                                   offers=list(ann.offers.all()), rooms=made)
    services.batch_transition(actor=officer, batch_id=batch.pk, target="scheduled")

    start = time.perf_counter()
    result = services.allocate(actor=officer, session_id=session.pk, seed=1)
    allocation = time.perf_counter() - start
    phases["allocate"] = rss_mb()
    assert result.assigned == CANDIDATES == SeatAssignment.objects.filter(session=session).count()

    services.issue_tickets(actor=officer, batch_id=batch.pk)
    assert AdmissionTicket.objects.filter(batch=batch).count() == CANDIDATES
    phases["issue"] = rss_mb()
    token = "v1." + "A" * 80 + "." + "B" * 86  # a token of the real length
    floor = floor_rate(token)

    job = Job.objects.create(kind="tickets", label="bench", org_id=ann.body_id, created_by=officer,
                             params={"batch_id": batch.pk})
    start = time.perf_counter()
    content, _name = tasks.render_batch_tickets(job, lambda done, total: None)
    rendering = time.perf_counter() - start
    rate = CANDIDATES / rendering
    phases["render"] = rss_mb()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = rate / floor
    ok_alloc, ok_rate, ok_mem = allocation <= 5.0, ratio >= 0.5, peak_mb <= 500
    print(f"allocate.10k    {allocation:8.2f} s   (target ≤ 5.0) {'OK' if ok_alloc else 'OVER'}")
    print(f"tickets.rate    {rate:8.1f} /s  floor {floor:8.1f} /s  ratio {ratio:5.2f}  (target ≥ 0.5) "
          f"{'OK' if ok_rate else 'UNDER'}")
    print(f"tickets.memory  {peak_mb:8.1f} MB peak RSS   (target ≤ 500) {'OK' if ok_mem else 'OVER'}")
    print("peak RSS after each phase (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in phases.items()))
    print(f"({CANDIDATES} candidates in {len(made) - 1} rooms; {rendering:.1f} s for all tickets, "
          f"{len(content) / 1048576:.1f} MB zip; database: {connection.vendor})")
    return 0 if ok_alloc and ok_rate and ok_mem else 1


if __name__ == "__main__":
    raise SystemExit(main())
