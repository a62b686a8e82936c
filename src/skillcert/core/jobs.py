"""Long jobs with progress (ARCHITECTURE: "Long jobs report progress to the UI").

``job_start`` records the job and the audit entry in the caller's transaction and queues the Celery
task on commit (with no broker the task runs inline right after the commit). The task calls
``job_run`` with the work to do; the work reports progress through a callback that writes outside
any transaction, so the page polling ``/console/jobs/<id>/`` sees it move.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from . import audit
from .models import Job, JobStatus
from .statemachine import transition, transition_many

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def job_start(*, actor, kind: str, label: str, org_id: int | None, task, params: dict) -> Job:
    """Create the job and queue ``task(job_id)`` once the surrounding transaction commits."""
    job = Job.objects.create(kind=kind, label=label, org_id=org_id, params=params, created_by=actor)
    audit.record(actor, f"core.job.{kind}.started", target=job, data={"label": label, "params": params})
    transaction.on_commit(lambda: task.delay(job.pk))
    return job


def job_run(job_id: int, work: Callable[[Job, Progress], tuple[bytes, str]]) -> Job:
    """Run ``work(job, progress)`` — it returns (content, file name) — and store the result."""
    job = Job.objects.get(pk=job_id)
    if job.finished:
        return job
    transition_many(Job.objects.filter(pk=job.pk), JobStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        content, name = work(job, progress)
    except Exception as exc:  # the job page must say it failed rather than spin forever
        log.exception("job %s failed", job.pk)
        transition_many(Job.objects.filter(pk=job.pk), JobStatus.FAILED, message=str(exc)[:2000],
                        finished_at=timezone.now())
        job.refresh_from_db()
        return job
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        job.result.save(name, ContentFile(content), save=False)
        count = max(job.total, job.done)
        transition(job, JobStatus.DONE, result=job.result, result_name=name, finished_at=timezone.now(),
                   done=count, total=count)
        audit.record(job.created_by, f"core.job.{job.kind}.finished", target=job, data={
            "file": name, "bytes": len(content), "items": job.total})
    return job
