"""Computer-based delivery (§6.3.1.2, §6.4, A.2, 表B.2): every write of the exam day, by one name.

The services live by concern (issue #21 item 5); this module gathers their public names for the faces, the
other apps, the demo and the tests:

- ``rooms``: preparing the room sittings, and every proctor action (start, pause, resume, compensation,
  check-in, identity check, change of computer, force-submit, the room record);
- ``attempts``: the candidate's log-in, the clock the player polls, the paper, the submission, integrity
  signals, and paper answer sheets recorded as attempts;
- ``autosave``: the answer saves, with their guarantees (idempotent by sequence, acknowledged after commit,
  refused whole when paused, submitted or past the deadline);
- ``tick``: the clock's consequences (absentees, deadlines, closing rooms), written by the background job and
  at the start of every action on a room; ``due`` holds their rules, which the pages read without writing;
- ``guard`` and ``common``: what those share (the log-in token, the deadline guard, errors, locks).
"""

from __future__ import annotations

from .attempts import (
    BAD_LOGIN,
    HEARTBEAT_EVERY_SECONDS,
    MAX_SIGNALS_PER_ATTEMPT,
    STATUS_POLL_SECONDS,
    TimeStatus,
    answers_of,
    answers_save,
    attempt_clock,
    attempt_login,
    attempt_paper,
    attempt_record_sheet,
    attempt_status,
    attempt_submit,
    signal_record,
    time_status,
)
from .common import Closed, NotLoggedIn, Paused
from .guard import attempt_for_token
from .rooms import (
    catch_up,
    check_in,
    compensate,
    event_record,
    force_submit,
    identity_confirm,
    paper_for,
    relogin_authorise,
    room_pause,
    room_resume,
    room_start,
    sittings_ensure,
    sittings_prepare,
)
from .tick import close_finished, finalise_due, mark_absent_due, tick

__all__ = [
    "BAD_LOGIN", "HEARTBEAT_EVERY_SECONDS", "MAX_SIGNALS_PER_ATTEMPT", "STATUS_POLL_SECONDS", "Closed", "NotLoggedIn",
    "Paused", "TimeStatus", "answers_of", "answers_save", "attempt_clock", "attempt_for_token", "attempt_login",
    "attempt_paper", "attempt_record_sheet", "attempt_status", "attempt_submit", "catch_up", "check_in",
    "close_finished", "compensate", "event_record", "finalise_due", "force_submit", "identity_confirm",
    "mark_absent_due", "paper_for", "relogin_authorise", "room_pause", "room_resume", "room_start", "signal_record",
    "sittings_ensure", "sittings_prepare", "tick", "time_status",
]
