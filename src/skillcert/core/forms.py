"""Glue between forms and services: a service's ValidationError lands on the form's fields."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from .errors import DomainError


def run_service(form: forms.Form, service: Callable[..., Any], /, **kwargs) -> Any | None:
    """Call ``service``; on ValidationError/DomainError attach the messages to ``form`` and return None."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error.messages if hasattr(error, "messages") else error)
        else:
            form.add_error(None, exc.messages)
    except DomainError as exc:
        form.add_error(None, str(exc))
    return None


#: What a service raises to refuse an action; ``perform`` turns each into an error message.
REFUSALS = (ValidationError, DomainError, PermissionDenied)


def refusal_text(exc: Exception) -> str:
    """The words of a refusal: every message of a ValidationError, the text of anything else."""
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


def flash_refusal(request: HttpRequest, exc: Exception) -> None:
    """A refusal (ValidationError, DomainError such as an illegal transition, PermissionDenied) as a message."""
    messages.error(request, refusal_text(exc))


def perform(request: HttpRequest, service: Callable[..., Any], success: str, /, **kwargs) -> Any | None:
    """Run one service for a POST: its result and ``success`` as a message, or ``None`` and the refusal as an
    error message. The single place a console action turns ``ValidationError``, ``DomainError`` and
    ``PermissionDenied`` into what the user reads; the caller redirects either way."""
    try:
        result = service(**kwargs)
    except REFUSALS as exc:
        flash_refusal(request, exc)
        return None
    if success:
        messages.success(request, success)
    return result


MAX_ID = 2**31 - 1  # the largest primary key a column holds on every supported database
_ID_FIELD = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)


def posted_id(data, name: str) -> int | None:
    """The id a form button or link sent as ``name`` (a hidden input, a select, a query parameter), validated
    like a form field: ``None`` when it is missing, not a whole number, negative or beyond any primary key.
    The caller answers ``None`` with a 404 or a message, never a server error (issue #20 item 16)."""
    try:
        return _ID_FIELD.clean(data.get(name))
    except ValidationError:
        return None


def posted_ids(data, name: str) -> list[int]:
    """Every valid id in a multi-valued field (checkboxes); the invalid ones are dropped."""
    ids = []
    for raw in data.getlist(name):
        try:
            value = _ID_FIELD.clean(raw)
        except ValidationError:
            continue
        if value is not None:
            ids.append(value)
    return ids


_DECIMAL_FIELD = forms.DecimalField(max_digits=12, decimal_places=4, required=False)


def posted_decimal(data, name: str, default: str) -> Decimal:
    """A number typed into a small action form (a tolerance, a limit), validated like a form field; a value
    that is not a finite decimal (text, NaN, infinity, too many digits) becomes ``Decimal(-1)`` so that the
    service refuses it with its own message naming the field; a missing value becomes ``default``."""
    raw = data.get(name)
    if raw in (None, ""):
        return Decimal(default)
    try:
        return _DECIMAL_FIELD.clean(raw)
    except ValidationError:
        return Decimal(-1)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, with every value checked to be an id in range before the query: ``pk__in`` with a number
    beyond the column (``99999999999999999999``) would otherwise fail in the database driver, not the form."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        if key == "pk":
            for pk in value:
                try:
                    _ID_FIELD.clean(pk)
                except ValidationError:
                    raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                          params={"pk": pk}) from None
        return super()._check_values(value)
