"""The exam clock's background job: every few seconds, absentees (A.2.8), deadlines and closing rooms.

With Redis configured, Celery beat runs it (``CELERY_BEAT_SCHEDULE`` in settings); without a broker, run
``manage.py delivery_tick --loop`` beside the server. Every proctor action on a room runs it for that room first
(delivery.rooms.catch_up), and the pages show what it is about to record (delivery.due) without writing, so
nothing waits on the job (issue #21 item 1: a GET never writes)."""

from celery import shared_task

from . import tick as clock_tick


@shared_task(name="delivery.tick", ignore_result=True)
def tick() -> dict[str, int]:
    return clock_tick.tick()
