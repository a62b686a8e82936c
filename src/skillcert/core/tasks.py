"""Background jobs of the core. Run them on a schedule with Celery beat in production
(docs/operations.md); with no broker they run inline."""

from celery import shared_task

from .audit import verify_chain


@shared_task(name="core.audit_verify")
def audit_verify_task() -> dict:
    """Walk the audit chain; the result names the first broken row, if any (§6.7.1)."""
    report = verify_chain()
    return {"ok": report.ok, "checked": report.checked, "broken_seq": report.broken_seq, "reason": report.reason,
            "head_hash": report.head_hash}
