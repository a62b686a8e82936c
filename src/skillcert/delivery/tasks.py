"""The exam clock's background job: every few seconds, absentees (A.2.8), deadlines and closing rooms.

With Redis configured, Celery beat runs it (``CELERY_BEAT_SCHEDULE`` in settings); without a broker, run
``manage.py delivery_tick --loop`` beside the server. Every look at a room (proctor console, player) also
runs it for that room, so nothing waits on the job."""

from celery import shared_task

from . import services


@shared_task(name="delivery.tick", ignore_result=True)
def tick() -> dict[str, int]:
    return services.tick()
