"""Background jobs of the core. Run them on a schedule with Celery beat in production
(docs/operations.md); with no broker they run inline."""

import logging

from celery import shared_task

from .audit import ChainBroken, checkpoint, verify_chain


@shared_task(name="core.audit_verify")
def audit_verify_task() -> dict:
    """Walk the audit chain against its signed checkpoints; the result names the first broken row, if any
    (§6.7.1)."""
    report = verify_chain()
    return {"ok": report.ok, "checked": report.checked, "broken_seq": report.broken_seq, "reason": report.reason,
            "head_hash": report.head_hash, "checkpoint_line": report.checkpoint_line}


@shared_task(name="core.audit_checkpoint")
def audit_checkpoint_task() -> dict:
    """Sign the audit chain's head into the checkpoint file (beat, every five minutes: settings.py), after
    verifying the entries added since the last one (§10.9). A broken chain is reported, never signed."""
    try:
        written = checkpoint()
    except ChainBroken as exc:
        logging.getLogger(__name__).error("audit checkpoint refused: %s", exc)
        return {"ok": False, "broken_seq": exc.report.broken_seq, "reason": exc.report.reason}
    return {"ok": True, "seq": written.seq if written else None}


@shared_task(name="core.notification_mail")
def notification_mail(note_ids: list[int]) -> int:
    """Mail the notifications ``note_ids`` (queued by ``core.notify`` after the commit; issue #21 item 7): the
    request that wrote them never waits for the mail server. Returns how many went out."""
    from .notify import mail_notifications

    return mail_notifications(note_ids)
