"""Glue between forms and services: a service's ValidationError lands on the form's fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .errors import DomainError


def run_service(form: forms.Form, service: Callable[..., Any], /, **kwargs) -> Any | None:
    """Call ``service``; on ValidationError/DomainError attach the messages to ``form`` and return None.

    A service's error names its own argument; a form whose fields are named otherwise maps them in
    ``service_fields`` (``{"forms": "form_count"}``); an error on a name the form lacks goes to the top."""
    renamed = getattr(form, "service_fields", {})
    try:
        return service(**kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                field = renamed.get(field, field)
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


def form_refusal(form: forms.BaseForm) -> ValidationError:
    """A bound form's errors as one ValidationError whose every message names its field (「目标状态：…」): what a
    one-click action shows through ``console.common.flash_refusal`` when its small form is refused (issue #21
    item 1: bad input gets an error naming the field, never a sentinel the service has to catch)."""
    texts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        texts += [f"{label}：{e}" if label else str(e) for e in errors]
    return ValidationError(texts or [str(_("提交的内容无效。"))])


MAX_ID = 2**31 - 1  # the largest primary key a column holds on every supported database


class IdField(forms.IntegerField):
    """An object id sent by a button or a link (a hidden input, a query parameter): a whole number from 1 to the
    largest primary key, so that a lookup never reaches the database driver with a value it cannot hold."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


_ID_FIELD = IdField(required=False)


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


class ListQueryForm(forms.Form):
    """The navigation parameters of a page that only reads (``?page=``, ``?q=``, ``?status=``, ``?next=``,
    ``?sent=``, ``?inline=``), bound to ``request.GET`` like any other input (issue #21 item 1: a view reads request
    data only through a form). Never refuses: a value that is too long is dropped, and the view gets ``default``."""

    page = forms.CharField(required=False, max_length=12)
    q = forms.CharField(required=False, max_length=100)
    status = forms.CharField(required=False, max_length=40)
    next = forms.CharField(required=False, max_length=2000)
    sent = forms.CharField(required=False, max_length=1)
    inline = forms.CharField(required=False, max_length=1)

    def value(self, name: str, default: str = "") -> str:
        self.is_valid()
        return self.cleaned_data.get(name) or default

    def query_without(self, *names: str):
        """The query string's parameters without ``names`` (the page links of a filtered list keep the filter)."""
        query = self.data.copy()
        for name in names:
            query.pop(name, None)
        return query
