"""Every write to the bank and every read of its content (§7.2, §7.3), one module per concern (issue #21 item 5):

- ``items``: banks, items and their versions, attachments, audited content reads, the review workflow, the usage
  ledger, item statistics and problem reports (§7.2.2–§7.2.4, §7.3.1, §7.3.3);
- ``acceptance``: technical acceptance meetings and bank releases (§7.2.6, §7.2.3, §7.2.5);
- ``exports``: approved, watermarked exports (§7.3.2, §10.2, §10.5).

``acceptance`` and ``exports`` build on ``items``; ``items`` imports neither. Callers use the app's one service
face, ``from skillcert.itembank import services`` then ``services.<name>``: this package re-exports every public
name below, and the submodules are its layout, not a second way in."""

from .acceptance import (
    NOTE_KEYS,
    REVISION_KEYS,
    meeting_add_member,
    meeting_close,
    meeting_conclude,
    meeting_create,
    meeting_sign,
    quorum_problems,
    release_create,
)
from .exports import export_build, export_decide, export_request, export_usable
from .items import (
    MAX_ATTACHMENT,
    STATUS_LABELS,
    attachment_add,
    attachment_bytes,
    bank_create,
    contents_for,
    element_codes,
    item_content,
    item_create,
    item_edit,
    item_restore,
    item_review,
    item_transition,
    problem_report,
    problem_resolve,
    record_statistics,
    record_usage,
    require_manager,
)

__all__ = [  # the imports above, by module; here sorted
    "MAX_ATTACHMENT", "NOTE_KEYS", "REVISION_KEYS", "STATUS_LABELS", "attachment_add", "attachment_bytes",
    "bank_create", "contents_for", "element_codes", "export_build", "export_decide", "export_request",
    "export_usable", "item_content", "item_create", "item_edit", "item_restore", "item_review", "item_transition",
    "meeting_add_member", "meeting_close", "meeting_conclude", "meeting_create", "meeting_sign", "problem_report",
    "problem_resolve", "quorum_problems", "record_statistics", "record_usage", "release_create", "require_manager",
]
