"""The exam autosave (§6.3.1.2, 表B.2; issue #21 item 8): the hottest write of exam day, in one place.

``answers_save`` keeps a batch of the player's saves. What it guarantees, and how:

Idempotent by client sequence. Every save carries the player's sequence number (``seq``, increasing per
attempt). Per paper position the server keeps only the answer with the highest sequence it has seen — one
conditional upsert (``INSERT … ON CONFLICT (attempt_id, position) DO UPDATE … WHERE stored seq < new seq``) —
so a save resent after a lost acknowledgement, or arriving after a newer one, changes nothing, and every save of
the batch is acknowledged (an older one because something newer is kept). Within one batch the highest sequence
per position wins before the statement is built, so a batch is one statement whatever its size.

No lost answer. The acknowledgement is the return value of a committed transaction (the view answers after
``_save`` returns, i.e. after the commit): the player drops a save from its queue only then, and resends
everything else. The attempt row is locked (``FOR UPDATE OF a`` on PostgreSQL — only the attempt, not the
room or session joined for the clock) for each save, as submission and the deadline job lock it, so a save
either commits before the attempt closes or is refused after it; never half of a batch.

Pause refusal. A paused room (表B.2: power or equipment failure) takes no answers: the server's state when the
save is processed decides, never the candidate's clock. A save processed before the pause is committed is kept
(its ``saved_at`` is the server's time); one processed after is refused as a whole with ``Paused`` (the API
answers 423) and nothing is written. The player keeps refused saves, locks its input as soon as it sees the
pause and resends them, with their original sequence numbers, after the resume — so an answer typed in the last
second before a pause is on the server already or held in the browser until then. The clock stands still while
paused (clock.py).

Refused as a whole too (nothing written): a malformed save or a value the paper's item cannot take
(``ValidationError`` naming the question), a submitted attempt (``Closed``), an expired log-in token
(``NotLoggedIn``), and a save after the deadline — the attempt is then finalised from its last saves and the
candidate told (``guard.deadline_guard``).

Why raw SQL: on PostgreSQL one statement checks the log-in token, writes the heartbeat and locks the attempt,
and a second keeps every answer of the batch; one commit. bench/delivery.py measures it against a bare
single-row upsert (its floor). Saves are not audited one by one (they are many and the audit chain serialises
its writers); each kept answer records its sequence and server time, and log-ins, paper deliveries and
submissions are audited, so what a candidate answered and when can be reconstructed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from skillcert.core.errors import ValidationError
from skillcert.itembank.enums import ItemType

from . import clock
from .common import NotLoggedIn, Paused, aware, now_or, token_hash
from .enums import RoomState
from .guard import attempt_for_token, deadline_guard, refuse_unless_open
from .models import Attempt

MAX_TEXT_ANSWER = 5000
MAX_SAVES_PER_REQUEST = 200


# On PostgreSQL one statement checks the token, writes the heartbeat and locks the attempt (the first); SQLite
# (no FOR UPDATE, no writable CTE) checks the token first and reads by id.
_LOCK_BY_ID = ("SELECT a.id, a.status, a.compensation_seconds, a.layout, s.state, s.started_at, "
               "s.compensation_seconds, s.paused_seconds, s.paused_at, e.duration_minutes FROM delivery_attempt a "
               "JOIN delivery_roomsitting s ON s.id = a.sitting_id "
               "JOIN scheduling_examsession e ON e.id = s.session_id WHERE a.id = %s")
_LOCK_BY_SESSION = ("WITH t AS (UPDATE delivery_attemptsession SET last_seen_at = %s WHERE token_hash = %s "
                    "AND revoked_at IS NULL RETURNING attempt_id) "
                    "SELECT a.id, a.status, a.compensation_seconds, a.layout, s.state, s.started_at, "
                    "s.compensation_seconds, s.paused_seconds, s.paused_at, e.duration_minutes "
                    "FROM delivery_attempt a JOIN delivery_roomsitting s ON s.id = a.sitting_id "
                    "JOIN scheduling_examsession e ON e.id = s.session_id JOIN t ON t.attempt_id = a.id")
_UPSERT_ROW = {"postgresql": "(%s, %s, CAST(%s AS jsonb), %s, %s)", "sqlite": "(%s, %s, %s, %s, %s)"}
_UPSERT = ("INSERT INTO delivery_answer (attempt_id, position, value, seq, saved_at) VALUES {rows} "
           "ON CONFLICT (attempt_id, position) DO UPDATE SET value = excluded.value, seq = excluded.seq, "
           "saved_at = excluded.saved_at WHERE delivery_answer.seq < excluded.seq")


def answers_save(*, attempt_id: int | None = None, token: str | None = None, saves: list[dict],
                 now: dt.datetime | None = None) -> list[int]:
    """Keep each save unless a higher sequence is already stored for its position; returns the sequence
    numbers acknowledged (all of them: an older save is acknowledged because something newer is kept).

    The attempt is given by id, or by the player's log-in ``token``, which is then checked (and its heartbeat
    written) in the same transaction. Refused as a whole (nothing written) when a save is malformed, when the
    room is paused, and after submission or the deadline."""
    now = now_or(now)
    if (attempt_id is None) == (token is None):
        raise TypeError("answers_save needs attempt_id or token")
    if len(saves) > MAX_SAVES_PER_REQUEST:
        raise ValidationError(_("一次最多保存 %(n)s 条。") % {"n": MAX_SAVES_PER_REQUEST})
    return deadline_guard(attempt_id, now, lambda: _save(attempt_id, token, saves, now))


@transaction.atomic
def _save(attempt_id: int | None, token: str | None, saves: list[dict], now: dt.datetime) -> list[int]:
    """The attempt row is locked (as submit and the deadline job lock it), so a save either commits before the
    attempt closes or is refused."""
    postgres = connection.vendor == "postgresql"
    lock = " FOR UPDATE OF a" if postgres else ""
    with connection.cursor() as cur:
        if token is not None and postgres:
            cur.execute(_LOCK_BY_SESSION + lock, [now, token_hash(token)])
        else:
            cur.execute(_LOCK_BY_ID + lock, [attempt_id if token is None else attempt_for_token(token, now=now)])
        row = cur.fetchone()
        if row is None:
            if token is not None:
                raise NotLoggedIn(_("本次登录已失效（可能已在另一台计算机登录或已交卷），请重新登录。"))
            raise Attempt.DoesNotExist
        attempt_id, status, compensation, layout, room_state, started_at, room_compensation, paused_seconds, \
            paused_at, minutes = row
        layout = json.loads(layout) if isinstance(layout, str) else layout  # Django's cursors leave JSON as text
        started_at, paused_at = aware(started_at), aware(paused_at)  # SQLite's are naive UTC
        end = clock.RoomClock(started_at, minutes * 60, room_compensation, paused_seconds, paused_at).deadline(now)
        refuse_unless_open(attempt_id, status, None if end is None else end + dt.timedelta(seconds=compensation),
                            room_state, now)
        if room_state == RoomState.PAUSED:
            raise Paused(_("考试已暂停，恢复后答案会自动保存。"))
        if not saves:
            return []
        types, options = layout.get("types", {}), layout.get("options", {})
        latest: dict[int, tuple] = {}  # one row per position (the highest sequence), so one statement takes all
        acked = []
        for save in saves:
            try:
                seq, position = int(save["seq"]), int(save["position"])
            except (KeyError, TypeError, ValueError):
                raise ValidationError(_("保存内容格式不正确。")) from None
            if seq < 1:
                raise ValidationError(_("序号须为正整数。"))
            item_type = types.get(str(position))
            if item_type is None:
                raise ValidationError(_("第 %(p)s 题不在本试卷中。") % {"p": position})
            value = _clean_value(item_type, options.get(str(position)), save.get("value"), position)
            acked.append(seq)
            if position not in latest or latest[position][3] < seq:
                latest[position] = (attempt_id, position, json.dumps(value, ensure_ascii=False), seq, now)
        rows = ", ".join([_UPSERT_ROW[connection.vendor]] * len(latest))
        cur.execute(_UPSERT.format(rows=rows), [v for r in latest.values() for v in r])
    return acked


def _clean_value(item_type: str, keys: list[str] | None, value: Any, position: int) -> Any:
    where = _("第 %(p)s 题") % {"p": position}
    if item_type in (ItemType.SINGLE, ItemType.JUDGE):
        allowed = set(keys or []) if item_type == ItemType.SINGLE else {"T", "F"}
        if value in ("", None):
            return ""
        if not isinstance(value, str) or value not in allowed:
            raise ValidationError(_("%(w)s：选项无效。") % {"w": where})
        return value
    if item_type == ItemType.MULTIPLE:
        if value in ("", None):
            return []
        if not isinstance(value, list) or not set(value) <= set(keys or []):
            raise ValidationError(_("%(w)s：选项无效。") % {"w": where})
        return sorted(set(value))
    if not isinstance(value, str):
        raise ValidationError(_("%(w)s：答案须为文字。") % {"w": where})
    if len(value) > MAX_TEXT_ANSWER:
        raise ValidationError(_("%(w)s：答案不能超过 %(n)s 字。") % {"w": where, "n": MAX_TEXT_ANSWER})
    return value
