"""Tell a user something: a notification in the portal, and an e-mail through Django's mail
backend when the user has an address (issue #3: the candidate is notified of every review move).

Mail is sent after the transaction commits, so a rolled-back change never mails anyone, and a
mail server that is down never undoes the change it reports.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .models import Notification

log = logging.getLogger(__name__)


def notify(user, subject: str, body: str = "", url: str = "") -> Notification:
    note = Notification.objects.create(user=user, subject=subject[:120], body=body, url=url)
    if user.email:
        transaction.on_commit(lambda: _mail(note.pk, user.email, subject, body, url))
    return note


def mark_all_read(user) -> int:
    """The user has opened their notices (not audited: it changes nothing but their own unread count)."""
    from django.utils import timezone

    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def _mail(note_id: int, address: str, subject: str, body: str, url: str) -> None:
    if url.startswith("/"):
        url = settings.SKILLCERT_SITE_URL + url
    text = body + (f"\n\n{url}" if url else "")
    try:
        send_mail(subject, text, None, [address], fail_silently=False)
    except Exception:  # the portal copy stands; the operator sees the log
        log.exception("notification %s: mail to %s failed", note_id, address)
        return
    Notification.objects.filter(pk=note_id).update(emailed=True)
