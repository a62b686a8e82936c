"""The candidate's side of every write (issue #21 items 5 and 8): which attempt a log-in token names, and the
refusal of a write to an attempt that is closed or whose time is up (then finalised first: ``deadline_guard``).
Shared by the autosave (``autosave``) and the other writes of the player (``attempts``)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils.translation import gettext as _

from .common import Closed, NotLoggedIn, now_or, token_hash
from .enums import OPEN_ATTEMPT, AttemptStatus, RoomState
from .tick import finalise_due


def attempt_for_token(token: str, *, now: dt.datetime | None = None) -> int:
    """The attempt id of an active log-in; its heartbeat is refreshed in the same statement."""
    if not token:
        raise NotLoggedIn(_("请先登录。"))
    with connection.cursor() as cur:
        cur.execute("UPDATE delivery_attemptsession SET last_seen_at = %s WHERE token_hash = %s "
                    "AND revoked_at IS NULL RETURNING attempt_id", [now_or(now), token_hash(token)])
        row = cur.fetchone()
    if row is None:
        raise NotLoggedIn(_("本次登录已失效（可能已在另一台计算机登录或已交卷），请重新登录。"))
    return row[0]


class Expired(Exception):
    """Raised inside a write transaction when the attempt's time is up; the caller rolls back, finalises the
    attempt in its own transaction and refuses (see ``deadline_guard``)."""

    def __init__(self, attempt_id: int):
        super().__init__(attempt_id)
        self.attempt_id = attempt_id


def refuse_unless_open(attempt_id: int, status: str, deadline: dt.datetime | None, room_state: str,
                       now: dt.datetime) -> None:
    """Closed for a submitted or not-open attempt; Expired (to ``deadline_guard``) when its time is up."""
    if status == AttemptStatus.SUBMITTED:
        raise Closed(_("您已交卷，答案不能再修改。"))
    if status not in OPEN_ATTEMPT:
        raise Closed(_("您不在作答状态。"))
    if deadline is not None and deadline <= now and room_state == RoomState.RUNNING:
        raise Expired(attempt_id)


def refuse_if_closed(attempt, now: dt.datetime) -> None:
    refuse_unless_open(attempt.pk, attempt.status, attempt.deadline(now), attempt.sitting.state, now)


def deadline_guard(attempt_id: int | None, now: dt.datetime, work):
    """Run ``work``; if the time is up, finalise the attempt from its last saves (finish time = deadline)
    and refuse with a clear message."""
    try:
        return work()
    except Expired as expired:
        finalise_due(now=now, attempt_id=expired.attempt_id or attempt_id)
        raise Closed(_("考试时间已到，系统已按您最后保存的答案收卷，此后的作答不再保存。")) from None
