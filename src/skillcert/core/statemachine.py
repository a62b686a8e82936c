"""Statuses as data: each workflow entity has one TRANSITIONS table ``{from: {to, ...}}``.

``require_transition`` is the only check services make before moving a status, so the
legal moves can be read, drawn and tested in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from .errors import IllegalTransition


def allowed_targets(transitions: Mapping[Any, set | frozenset | tuple], current: Any) -> set:
    return set(transitions.get(current, ()))


def require_transition(transitions: Mapping[Any, set | frozenset | tuple], current: Any, target: Any,
                       *, labels: Mapping[Any, str] | None = None) -> None:
    """Raise ``IllegalTransition`` (changing nothing) unless ``current → target`` is listed."""
    if target in allowed_targets(transitions, current):
        return
    labels = labels or {}
    raise IllegalTransition(
        _("不能从“%(current)s”变更为“%(target)s”。")
        % {"current": labels.get(current, current), "target": labels.get(target, target)}
    )
