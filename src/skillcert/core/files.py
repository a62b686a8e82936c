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


DOCUMENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def audited_download(user, data: bytes, *, fmt: str, name: str, action: str, target):
    """A generated register (Excel or PDF) as an attachment, its download recorded in the audit log."""
    from django.db import transaction
    from django.http import HttpResponse

    from skillcert.core import audit

    with transaction.atomic():
        audit.record(user, action, target=target, data={"format": fmt})
    response = HttpResponse(data, content_type=DOCUMENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
