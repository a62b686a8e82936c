"""Serving files kept in private storage (outside the web root) to someone a selector let through."""

from django.core.files.storage import FileSystemStorage
from django.http import FileResponse

# No location given: it follows settings.MEDIA_ROOT, also when a test overrides it.
_storage = FileSystemStorage()


def private_storage() -> FileSystemStorage:
    """Callable form, so migrations do not freeze a path."""
    return _storage


def private_file_response(field, content_type: str, *, inline: bool, name: str = "") -> FileResponse:
    response = FileResponse(field.open("rb"), content_type=content_type, as_attachment=not inline,
                            filename=name or field.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
