"""Tell a user something: a notification in the portal, and an e-mail through Django's mail
backend when the user has an address (issue #3: the candidate is notified of every review move).

The request never talks to the mail server (issue #21 item 7): the notification row is written in the
caller's transaction, and only after that transaction commits is one Celery task queued
(``core.notification_mail``) with the ids of the notifications to mail — one task for a whole batch of
them (``notify_many``). With a broker a worker sends the mail; with none (the embedded default) the task
runs inline right after the commit. Either way a rolled-back change never mails anyone, and a mail
server that is down never undoes the change it reports: the portal copy stands, ``emailed`` stays False,
and the operator sees the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from .models import Notification

log = logging.getLogger(__name__)

MAIL_CHUNK = 500  # notifications per mail task: a results publication of thousands is a few tasks, not one


def notify(user, subject: str, body: str = "", url: str = "") -> Notification:
    """One notification for ``user``; its mail (if he has an address) is queued after the commit."""
    note = Notification.objects.create(user=user, subject=subject[:120], body=body, url=url)
    if user.email:
        _queue_mail([note.pk])
    return note


def notify_many(messages: Iterable[tuple]) -> list[Notification]:
    """Many notifications at once, each ``(user, subject, body, url)``: one INSERT, and their mail queued after
    the commit as one task per MAIL_CHUNK notifications (results publication tells every candidate of a batch)."""
    messages = list(messages)
    notes = Notification.objects.bulk_create(
        [Notification(user=user, subject=subject[:120], body=body, url=url) for user, subject, body, url in messages])
    _queue_mail([note.pk for note, (user, *_rest) in zip(notes, messages, strict=True) if user.email])
    return notes


def _queue_mail(note_ids: list[int]) -> None:
    # robust: a broker that is down after the commit is logged by Django and leaves the committed change alone
    for start in range(0, len(note_ids), MAIL_CHUNK):
        chunk = note_ids[start:start + MAIL_CHUNK]
        transaction.on_commit(lambda chunk=chunk: _enqueue(chunk), robust=True)


def _enqueue(note_ids: list[int]) -> None:
    from .tasks import notification_mail

    notification_mail.delay(note_ids)


def notifications_mark_read(*, actor, up_to: int | None = None) -> int:
    """Mark the actor's own unread notifications read — those up to ``up_to`` (the newest one the page
    showed, so a notice that arrived after the page was drawn stays unread). Called by the portal's POST
    button 「全部标为已读」; opening the list changes nothing (issue #21 item 1: a GET never writes).
    Not audited: it changes nothing but the user's own unread count. Returns how many were marked."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if up_to is not None:
        qs = qs.filter(pk__lte=up_to)
    return qs.update(read_at=timezone.now())


def mail_notifications(note_ids: list[int]) -> int:
    """Mail the notifications named (run by the task, over one connection to the mail server); returns how many
    went out. Each goes to the user's address as it is now; a notification already mailed is not mailed again
    (a task retried by the broker sends nothing twice); one refused message does not stop the others."""
    from django.core.mail import EmailMessage, get_connection

    notes = list(Notification.objects.filter(pk__in=note_ids, emailed=False).select_related("user").order_by("pk"))
    notes = [n for n in notes if n.user.email]
    if not notes:
        return 0
    sent: list[int] = []
    try:
        with get_connection(fail_silently=False) as connection:
            for note in notes:
                url = settings.SKILLCERT_SITE_URL + note.url if note.url.startswith("/") else note.url
                text = note.body + (f"\n\n{url}" if url else "")
                try:
                    EmailMessage(note.subject, text, None, [note.user.email], connection=connection).send()
                except Exception:  # the portal copy stands; the operator sees the log
                    log.exception("notification %s: mail to user %s failed", note.pk, note.user_id)
                    continue
                sent.append(note.pk)
    except Exception:  # the server refused the connection (or closing it failed)
        log.exception("notifications %s: mail server unavailable", [n.pk for n in notes])
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed=True)
    return len(sent)
