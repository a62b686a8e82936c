"""Glue between forms and services: a service's ValidationError lands on the form's fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

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
