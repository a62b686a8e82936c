"""Serving files kept in private storage (outside the web root) to someone a selector let through."""

from django.http import FileResponse


def private_file_response(field, content_type: str, *, inline: bool, name: str = "") -> FileResponse:
    response = FileResponse(field.open("rb"), content_type=content_type, as_attachment=not inline,
                            filename=name or field.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
