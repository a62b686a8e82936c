"""Domain errors raised by services. Their messages are user-facing (gettext)."""

from django.core.exceptions import ValidationError  # re-exported: field-level input errors

__all__ = ["DomainError", "IllegalTransition", "ValidationError"]


class DomainError(Exception):
    """A business rule refused the operation; nothing was written."""

    def __init__(self, message: str, *, code: str = "domain"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class IllegalTransition(DomainError):
    def __init__(self, message: str):
        super().__init__(message, code="illegal_transition")
