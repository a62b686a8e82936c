"""Results publication sends no mail inside the request (issue #21 item 7): the candidates' notifications are
written in the publishing transaction and their mail is queued after the commit as one task for the batch; a mail
server that is down does not fail the publication (the portal copies stand, ``emailed`` stays False)."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from skillcert.accounts.enums import Role
from skillcert.core.models import Notification
from skillcert.core.tasks import notification_mail
from skillcert.grading import results
from skillcert.grading.models import Result, ResultStatus
from skillcert.registration.models import Application
from tests.factories import user_with_role

from .conftest import marked_sitting

pytestmark = pytest.mark.django_db
SUBJECT = "认定成绩已发布"


def _confirmed_batch():
    """A marked sitting whose four results are compiled and confirmed, every candidate with an e-mail address;
    returns (batch, body admin)."""
    day, *_rest = marked_sitting(("4", "4"))
    batch = day.session.batch
    for r in results.results_compile(actor=day.officer, batch_id=batch.pk):
        results.score_decide(actor=day.officer, batch_id=batch.pk, application_id=r.application_id,
                             part="practical", kind="zero", reason="表B.2")
    results.results_compile(actor=day.officer, batch_id=batch.pk)
    results.results_confirm(actor=day.chief, batch_id=batch.pk)
    for app in Application.objects.filter(results__batch=batch).select_related("candidate"):
        app.candidate.email = f"c{app.candidate_id}@example.com"  # contact data, not a workflow state
        app.candidate.save(update_fields=["email"])
    return batch, user_with_role(Role.BODY_ADMIN, batch.announcement.body, username="publisher")


def test_publishing_sends_no_mail_until_the_commit_and_then_one_task_mails_every_candidate(
        django_capture_on_commit_callbacks):
    batch, admin = _confirmed_batch()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert results.results_publish(actor=admin, batch_id=batch.pk) == 4
    assert mail.outbox == []  # the request's transaction is over and nothing was sent
    notes = Notification.objects.filter(subject__contains=SUBJECT)
    assert notes.count() == 4 and not notes.filter(emailed=True).exists()
    assert len(callbacks) == 1  # one task for the batch, queued after the commit
    callbacks[0]()  # no broker: the task runs inline
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.user.email for n in notes.select_related("user"))
    assert all(SUBJECT in m.subject and "/portal/" in m.body for m in mail.outbox)
    assert notes.filter(emailed=True).count() == 4
    notification_mail.delay(list(notes.values_list("pk", flat=True)))  # a task run twice mails nobody twice
    assert len(mail.outbox) == 4


def test_with_a_broker_the_publishing_request_only_queues_the_task(django_capture_on_commit_callbacks):
    from skillcert.celery import app as celery_app

    batch, admin = _confirmed_batch()
    mail.outbox.clear()
    celery_app.conf.task_always_eager = False  # as in production: REDIS_URL set, a worker sends the mail
    try:
        with celery_app.connection_for_write() as conn:
            queue = conn.SimpleQueue("celery")
            queue.clear()
            with django_capture_on_commit_callbacks(execute=True):
                results.results_publish(actor=admin, batch_id=batch.pk)
            message = queue.get(timeout=1)
            assert queue.qsize() == 0
            queue.close()
    finally:
        celery_app.conf.task_always_eager = True
    assert mail.outbox == []
    assert message.headers["task"] == "core.notification_mail"
    (note_ids,), _kwargs, _embed = message.decode()
    notes = Notification.objects.filter(subject__contains=SUBJECT)
    assert sorted(note_ids) == sorted(notes.values_list("pk", flat=True))
    notification_mail.apply(args=[note_ids])  # what the worker does
    assert len(mail.outbox) == 4


def test_a_mail_server_that_is_down_does_not_fail_the_publication(settings, django_capture_on_commit_callbacks,
                                                                   caplog):
    batch, admin = _confirmed_batch()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        assert results.results_publish(actor=admin, batch_id=batch.pk) == 4
    assert Result.objects.filter(batch=batch, status=ResultStatus.PUBLISHED).count() == 4
    notes = Notification.objects.filter(subject__contains=SUBJECT)
    assert notes.count() == 4 and not notes.filter(emailed=True).exists()  # the portal copies stand
    assert "mail server unavailable" in caplog.text


def test_a_rolled_back_publication_mails_nobody(django_capture_on_commit_callbacks):
    batch, _admin = _confirmed_batch()
    mail.outbox.clear()
    outsider = user_with_role(Role.EXAM_AFFAIRS, batch.announcement.body, username="not_admin")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Exception, match="机构管理员"):
        results.results_publish(actor=outsider, batch_id=batch.pk)  # exam affairs may not publish
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.filter(subject__contains=SUBJECT).exists()
