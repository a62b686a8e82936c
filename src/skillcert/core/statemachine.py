"""Statuses as data: each workflow entity has one TRANSITIONS table ``{from: {to, ...}}``.

``require_transition`` is the only check services make before moving a status, so the
legal moves can be read, drawn and tested in one place; ``transition`` / ``transition_many`` are the only
writes of a status (issue #21 item 2, checked by tests/test_transitions_ast.py).

A model names its table ``TRANSITIONS`` (beside its choices, in the app's enums.py or models.py); it describes
the field ``STATE_FIELD`` (default ``"status"``). Another state field of the same model has its own
``<FIELD>_TRANSITIONS`` (``Application.FEE_STATUS_TRANSITIONS``, ``Result.THEORY_STATE_TRANSITIONS``).
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


def table_for(model, field: str | None = None, transitions: Mapping | None = None) -> Mapping:
    """The legal moves of ``model.field``: ``transitions`` when given, else the model's ``TRANSITIONS`` for its
    main state field (``STATE_FIELD``, default ``"status"``), else ``<FIELD>_TRANSITIONS`` for another one
    (``Result.THEORY_STATE_TRANSITIONS``). A model with no table for the field raises ``TypeError``."""
    if transitions is not None:
        return transitions
    field = _field_of(model, field)
    if field == getattr(model, "STATE_FIELD", "status"):
        table = getattr(model, "TRANSITIONS", None)
    else:
        table = getattr(model, f"{field.upper()}_TRANSITIONS", None)
    if table is None:
        raise TypeError(f"{model.__name__}.{field} has no TRANSITIONS table; pass transitions=")
    return table


def _labels_for(model, field: str, labels):
    if labels is not None:
        return labels
    return dict(model._meta.get_field(field).flatchoices)


def _field_of(model, field: str | None) -> str:
    """The state field meant: the one named, else the model's ``STATE_FIELD`` (default ``"status"``)."""
    return field or getattr(model, "STATE_FIELD", "status")


def transition(instance, target: Any, *, transitions: Mapping | None = None, labels: Mapping | None = None,
               field: str | None = None, save: bool = True, **changes) -> Any:
    """The one way a workflow entity changes status (issue #21 item 2).

    Checks ``current → target`` against ``transitions`` (default: the model's ``TRANSITIONS``), sets the status
    and the other ``changes`` on ``instance`` and saves exactly those fields (plus ``updated_at`` when the model
    has it). Raises ``IllegalTransition`` and changes nothing when the move is not listed. Returns the previous
    status, for the audit record. The caller holds the row lock (``select_for_update``) and audits."""
    model = type(instance)
    field = _field_of(model, field)
    current = getattr(instance, field)
    require_transition(table_for(model, field, transitions), current, target, labels=_labels_for(model, field, labels))
    setattr(instance, field, target)
    for name, value in changes.items():
        setattr(instance, name, value)
    if save and instance.pk is not None:
        fields = [field, *changes]
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            fields.append("updated_at")
        instance.save(update_fields=fields)
    return current


def transition_many(queryset, target: Any, *, transitions: Mapping | None = None, labels: Mapping | None = None,
                    field: str | None = None, **changes) -> int:
    """Move every row of ``queryset`` to ``target`` in one UPDATE, after checking that each status found among
    them may move there (nothing is written when one may not). Returns the number of rows moved. The caller
    locks the rows first when others may race it."""
    model = queryset.model
    field = _field_of(model, field)
    table = table_for(model, field, transitions)
    names = _labels_for(model, field, labels)
    for current in set(queryset.order_by().values_list(field, flat=True).distinct()):
        require_transition(table, current, target, labels=names)
    if any(f.name == "updated_at" for f in model._meta.concrete_fields) and "updated_at" not in changes:
        from django.utils import timezone

        changes["updated_at"] = timezone.now()
    return queryset.update(**{field: target}, **changes)
