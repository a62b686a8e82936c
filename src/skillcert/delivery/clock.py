"""The server-authoritative exam clock (A.2.9, 表B.2), without Django.

deadline = start + duration + compensation + paused time (+ the running pause, so a paused room's
remaining time stands still).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RoomClock:
    started_at: dt.datetime | None
    duration_seconds: int
    compensation_seconds: int = 0
    paused_seconds: int = 0
    paused_at: dt.datetime | None = None

    def deadline(self, now: dt.datetime) -> dt.datetime | None:
        if self.started_at is None:
            return None
        pause = self.paused_seconds + (max(0.0, (now - self.paused_at).total_seconds()) if self.paused_at else 0)
        return self.started_at + dt.timedelta(seconds=self.duration_seconds + self.compensation_seconds + pause)


def remaining_seconds(deadline: dt.datetime | None, now: dt.datetime) -> int | None:
    if deadline is None:
        return None
    return max(0, int((deadline - now).total_seconds() + 0.999))


def remaining_ms(deadline: dt.datetime | None, now: dt.datetime) -> int | None:
    """Milliseconds left, not rounded to the second: the player counts down from it, so successive readings
    (and the reading before and after a pause) agree to the millisecond and the display never jumps."""
    if deadline is None:
        return None
    return max(0, int((deadline - now) / dt.timedelta(milliseconds=1)))


def paused_for(paused_at: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds of a pause that ends now (rounded up: the candidates never lose a fraction)."""
    return max(0, int((now - paused_at).total_seconds() + 0.999))
