"""Serving files kept in private storage (outside the web root) to someone a selector let through."""

from django.db import transaction
from django.http import FileResponse, HttpResponse

from . import audit
from .storage import private_storage

# The storage lives in core.storage (below core.models, which core.audit imports); the migrations and the file
# fields name it ``skillcert.core.files.private_storage``, the same function.
__all__ = ["DOCUMENT_TYPES", "audited_download", "private_file_response", "private_storage"]


def private_file_response(field, content_type: str, *, inline: bool, name: str = "") -> FileResponse:
    response = FileResponse(field.open("rb"), content_type=content_type, as_attachment=not inline,
                            filename=name or field.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


DOCUMENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def audited_download(user, data: bytes, *, fmt: str, name: str, action: str, target):
    """A generated register (Excel or PDF) as an attachment, its download recorded in the audit log."""
    with transaction.atomic():
        audit.record(user, action, target=target, data={"format": fmt})
    response = HttpResponse(data, content_type=DOCUMENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
