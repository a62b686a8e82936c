"""Background jobs of scheduling: rendering every admission ticket of a batch (issue #4)."""

from __future__ import annotations

import io
import zipfile

from celery import shared_task

from skillcert.core.jobs import job_run

from . import documents
from .models import Batch


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_（）()" else "_" for ch in name) or "room"


def render_batch_tickets(job, progress) -> tuple[bytes, str]:
    """A ZIP holding one merged PDF per room (by each candidate's first session), in ticket order."""
    batch = Batch.objects.select_related("announcement__body").get(pk=job.params["batch_id"])
    groups = documents.tickets_by_room(batch)
    total = sum(len(items) for items in groups.values())
    progress(0, total)
    done = 0
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for (venue, room), items in groups.items():
            def tick(i: int, base=done) -> None:
                progress(base + i, total)

            pdf = documents.tickets_pdf(items, progress=tick)
            archive.writestr(f"{_safe(venue)}-{_safe(room)}.pdf", pdf)
            done += len(items)
            progress(done, total)
    return out.getvalue(), f"tickets-batch{batch.pk}.zip"


@shared_task(name="scheduling.render_tickets")
def render_tickets_task(job_id: int) -> int:
    return job_run(job_id, render_batch_tickets).pk
