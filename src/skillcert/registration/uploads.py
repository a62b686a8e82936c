"""Checks on uploaded files: the §6.1.3 materials and the certificate photo.

The type is read from the file's first bytes, not trusted from its name or the browser; the
stored name is random, so nothing the uploader chose reaches the file system.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from skillcert.core import limits

SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}
# Certificate photo: 1-inch portrait (25 mm × 35 mm); at 300 dpi that is 295 × 413 pixels.
PHOTO_MIN = (295, 413)
PHOTO_MAX = (1200, 1680)
PHOTO_RATIO = (1.30, 1.50)  # height / width


@dataclass(frozen=True)
class CheckedFile:
    content: ContentFile
    original_name: str
    content_type: str
    size: int
    sha256: str


def _read(upload, limit: int, field: str, label: str) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError({field: _("%(label)s过大（%(size).1f MB），不能超过 %(max).1f MB。") % {
            "label": label, "size": size / 1048576, "max": limit / 1048576}})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({field: _("%(label)s过大，不能超过 %(max).1f MB。") % {
            "label": label, "max": limit / 1048576}})
    if not data:
        raise ValidationError({field: _("%(label)s是空文件。") % {"label": label}})
    return data


def _sniff(data: bytes) -> tuple[str, str] | None:
    return next((v for sig, v in SIGNATURES.items() if data.startswith(sig)), None)


def check_document(upload, *, field: str, label: str) -> CheckedFile:
    """PDF, JPEG or PNG up to SKILLCERT_DOCUMENT_MAX_BYTES."""
    data = _read(upload, settings.SKILLCERT_DOCUMENT_MAX_BYTES, field, label)
    kind = _sniff(data)
    if kind is None:
        raise ValidationError({field: _("%(label)s只能是 PDF、JPG 或 PNG 文件。") % {"label": label}})
    if kind[0] != "application/pdf":
        _check_image(data, field, label)
    return _checked(upload, data, kind)


def check_photo(upload, *, field: str = "photo") -> CheckedFile:
    """JPEG or PNG, at most SKILLCERT_PHOTO_MAX_BYTES, portrait 1-inch proportions, at least 295 × 413."""
    label = _("证件照")
    data = _read(upload, settings.SKILLCERT_PHOTO_MAX_BYTES, field, label)
    kind = _sniff(data)
    if kind is None or kind[0] == "application/pdf":
        raise ValidationError({field: _("证件照只能是 JPG 或 PNG 图片。")})
    width, height = _check_image(data, field, label)
    if width < PHOTO_MIN[0] or height < PHOTO_MIN[1]:
        raise ValidationError({field: _("证件照尺寸为 %(w)d×%(h)d 像素，太小：至少 %(mw)d×%(mh)d 像素（一寸照）。") % {
            "w": width, "h": height, "mw": PHOTO_MIN[0], "mh": PHOTO_MIN[1]}})
    if width > PHOTO_MAX[0] or height > PHOTO_MAX[1]:
        raise ValidationError({field: _("证件照尺寸为 %(w)d×%(h)d 像素，太大：不超过 %(mw)d×%(mh)d 像素。") % {
            "w": width, "h": height, "mw": PHOTO_MAX[0], "mh": PHOTO_MAX[1]}})
    if not PHOTO_RATIO[0] <= height / width <= PHOTO_RATIO[1]:
        raise ValidationError({field: _("证件照应为竖版一寸照（宽高比约 5:7），当前为 %(w)d×%(h)d 像素。") % {
            "w": width, "h": height}})
    return _checked(upload, data, kind)


def _check_image(data: bytes, field: str, label: str) -> tuple[int, int]:
    """Format and pixel count from the header (core.limits) before anything decodes the image."""
    _kind, width, height = limits.check_image(data, limits.FIGURE, field=field, label=label)
    return width, height


def _checked(upload, data: bytes, kind: tuple[str, str]) -> CheckedFile:
    name = (getattr(upload, "name", "") or "")[-200:]
    return CheckedFile(ContentFile(data, name=uuid.uuid4().hex + kind[1]), name, kind[0], len(data),
                       hashlib.sha256(data).hexdigest())
