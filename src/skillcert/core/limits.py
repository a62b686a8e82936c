"""Limits checked before an uploaded archive, workbook, table or image is read (§10.9; issue #20 item 4).

Every upload that opens a zip (an .xlsx workbook, a QTI package), a sheet or an image goes through here, so a
small file cannot make the server unpack gigabytes, walk millions of rows or decode a 100-megapixel picture:

- a zip is judged from its central directory before any member is inflated — member count, each member's
  size, the total and the compression ratio. Python's ``zipfile`` never inflates a member beyond the size its
  directory entry declares (it stops there and the CRC check fails), so those declared sizes bound what any
  later reader, openpyxl included, can unpack;
- a workbook's sheets are then scanned as they stream, in constant memory, counting rows, the row numbers
  they claim and the cells in each row, before openpyxl parses them; the reader stops at the same row limit;
- an image's format and pixel count are read from its header (Pillow's ``Image.open`` is lazy) before anything
  decodes it.

A refusal is a ``ValidationError`` on ``field`` (``"file"`` by default) naming the limit, in Chinese.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024


def _mb(n: int) -> str:
    return f"{n / MB:g}"


def refuse(message: str, field: str = "file") -> ValidationError:
    return ValidationError({field: message})


# --- Raw bytes -----------------------------------------------------------------------------------------------

def read_upload(upload, max_bytes: int, *, field: str = "file", label: str = "") -> bytes:
    """The uploaded file's bytes, refused (without reading the rest) when it is larger than ``max_bytes``."""
    label = label or _("文件")
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise refuse(_("%(label)s过大（%(size).1f MB），不能超过 %(max)s MB。") % {
            "label": label, "size": size / MB, "max": _mb(max_bytes)}, field)
    data = upload.read(max_bytes + 1)
    check_size(data, max_bytes, field=field, label=label)
    return data


def check_size(data: bytes, max_bytes: int, *, field: str = "file", label: str = "") -> None:
    if len(data) > max_bytes:
        raise refuse(_("%(label)s过大，不能超过 %(max)s MB。") % {"label": label or _("文件"), "max": _mb(max_bytes)},
                     field)


# --- Zip archives (xlsx, QTI packages) -----------------------------------------------------------------------

@dataclass(frozen=True)
class ZipLimits:
    members: int = 500
    member_bytes: int = 64 * MB
    total_bytes: int = 128 * MB
    ratio: int = 200  # unpacked ÷ packed, checked for members larger than RATIO_FROM bytes
    label: str = ""


RATIO_FROM = 1 * MB

# An .xlsx upload: a registration list, an item sheet, a blueprint, an answer-sheet reader's export. 20,000 rows
# of 19 columns of long text stay well under these; a sheet of 4 million empty rows or a 300 MB string does not.
WORKBOOK = ZipLimits(members=500, member_bytes=64 * MB, total_bytes=128 * MB, ratio=200)


def open_zip(data: bytes, limits: ZipLimits = WORKBOOK, *, field: str = "file",
             unreadable: str = "") -> zipfile.ZipFile:
    """The archive, after checking its central directory against ``limits``; nothing is inflated here."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise refuse(unreadable or _("无法读取该文件：不是有效的压缩文件。"), field) from None
    if len(infos) > limits.members:
        raise refuse(_("文件内含 %(n)d 个部件，超过上限 %(max)d 个，已拒绝读取。") % {
            "n": len(infos), "max": limits.members}, field)
    total = 0
    for info in infos:
        if info.file_size > limits.member_bytes:
            raise refuse(_("文件中的“%(name)s”解压后有 %(size).1f MB，超过单个部件 %(max)s MB 的上限，已拒绝读取。") % {
                "name": info.filename[:80], "size": info.file_size / MB, "max": _mb(limits.member_bytes)}, field)
        if info.file_size > RATIO_FROM and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise refuse(_("文件中的“%(name)s”压缩比异常（%(ratio)d 倍，上限 %(max)d 倍），"
                           "疑为压缩炸弹，已拒绝读取。") % {
                "name": info.filename[:80], "ratio": info.file_size // max(info.compress_size, 1),
                "max": limits.ratio}, field)
        total += info.file_size
    if total > limits.total_bytes:
        raise refuse(_("文件解压后共 %(size).1f MB，超过 %(max)s MB 的上限，已拒绝读取。") % {
            "size": total / MB, "max": _mb(limits.total_bytes)}, field)
    return zf


# --- Workbooks -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetLimits:
    rows: int  # data rows the caller accepts (the header row and EMPTY_ROWS blank rows come on top)
    columns: int = 1000  # cells in one row
    cells: int = 2_000_000  # cells in the whole workbook


EMPTY_ROWS = 1000  # blank (formatted) rows a spreadsheet program may leave below the data
_TOKEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']\s*(\d{1,12})""")
_LOOKAHEAD = 600  # bytes kept between chunks: a tag and its attributes never straddle unseen
_CHUNK = 1 * MB


def max_row_number(limits: SheetLimits) -> int:
    """The highest spreadsheet row number a reader may meet: header, data rows and a margin of blank rows."""
    return limits.rows + 1 + EMPTY_ROWS


def _too_many_rows(limits: SheetLimits) -> ValidationError:
    return refuse(_("工作表超过 %(n)d 行（含空行），已拒绝读取；"
                    "请删除多余的行或拆分文件（每次最多 %(rows)d 行数据）。") % {
        "n": max_row_number(limits), "rows": limits.rows})


def _scan(stream, limits: SheetLimits, cells: int) -> int:
    """Count rows and cells in one member as it streams, refusing as soon as a limit is passed. Returns the
    running cell count. Memory stays at one chunk."""
    top = max_row_number(limits)
    rows = in_row = last = 0
    buf = b""
    while True:
        chunk = stream.read(_CHUNK)
        buf += chunk
        end = len(buf) if not chunk else len(buf) - _LOOKAHEAD
        if end <= 0:
            if not chunk:
                return cells
            continue
        for m in _TOKEN.finditer(buf, 0, len(buf)):
            if m.start() >= end:
                break
            if m.group(1) == b"row":
                rows += 1
                in_row = 0
                number = _ROW_NUMBER.search(buf[m.end() - 1:m.end() + 512].split(b">", 1)[0])
                last = int(number.group(1)) if number else last + 1
                if rows > top or last > top:
                    raise _too_many_rows(limits)
            else:
                in_row += 1
                cells += 1
                if in_row > limits.columns:
                    raise refuse(_("工作表第 %(r)d 行超过 %(n)d 个单元格，已拒绝读取。") % {
                        "r": last, "n": limits.columns})
                if cells > limits.cells:
                    raise refuse(_("工作簿超过 %(n)d 个单元格，已拒绝读取；请拆分文件。") % {"n": limits.cells})
        if not chunk:
            return cells
        buf = buf[end:]


def open_workbook(data: bytes, sheet: SheetLimits, *, unreadable: str, zip_limits: ZipLimits = WORKBOOK):
    """An openpyxl read-only workbook, opened only after the archive and every sheet in it passed the limits."""
    from openpyxl import load_workbook

    zf = open_zip(data, zip_limits, unreadable=unreadable)
    cells = 0
    try:
        for info in zf.infolist():
            if info.is_dir():
                continue
            with zf.open(info) as stream:
                cells = _scan(stream, sheet, cells)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        raise refuse(unreadable) from None
    finally:
        zf.close()
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise refuse(unreadable) from None


def sheet_rows(wb, sheet: SheetLimits, *, max_col: int | None = None,
               min_row: int = 1) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of the first sheet, at most up to ``max_row_number``; a row beyond it is refused
    (openpyxl fills the gap before a far row number with empty rows, so the number is what counts)."""
    top = max_row_number(sheet)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True, min_row=min_row, max_row=top + 1, max_col=max_col)
    for number, row in enumerate(rows, start=min_row):
        if number > top:
            raise _too_many_rows(sheet)
        yield number, row


# --- Images --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImageLimits:
    pixels: int
    side: int
    formats: tuple[str, ...] = ("PNG", "JPEG")


# A figure with an item (§7.2.4) or a scanned document page: 25 megapixels, 8000 pixels a side.
FIGURE = ImageLimits(pixels=25_000_000, side=8000)


def check_image(data: bytes, limits: ImageLimits, *, field: str = "file", label: str = "") -> tuple[str, int, int]:
    """(format, width, height) of an image, read from its header; the pixel count and sides are checked before
    anything decodes it, then the file's structure is verified (still without decoding the pixels)."""
    from PIL import Image, UnidentifiedImageError

    label = label or _("图片")
    kinds = "、".join("JPG" if f == "JPEG" else f for f in limits.formats)
    try:
        with warnings.catch_warnings():  # Pillow's own bomb warning: the limits below are ours and stricter
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))  # lazy: reads the header only
        with img:
            kind, (width, height) = img.format, img.size
            if kind not in limits.formats:
                raise refuse(_("%(label)s只能是 %(kinds)s 图片。") % {"label": label, "kinds": kinds}, field)
            if width * height > limits.pixels or max(width, height) > limits.side:
                raise refuse(_("%(label)s为 %(w)d×%(h)d 像素，超过上限（每边不超过 %(side)d 像素、"
                               "总计不超过 %(mp)s 百万像素），请缩小后上传。") % {
                    "label": label, "w": width, "h": height, "side": limits.side, "mp": f"{limits.pixels / 1e6:g}"},
                    field)
            img.verify()
    except Image.DecompressionBombError:
        raise refuse(_("%(label)s像素过多，超过上限（每边不超过 %(side)d 像素、总计不超过 %(mp)s 百万像素），"
                       "请缩小后上传。") % {"label": label, "side": limits.side, "mp": f"{limits.pixels / 1e6:g}"},
                     field) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise refuse(_("%(label)s已损坏或不是图片，无法打开；请上传 %(kinds)s 图片。") % {
            "label": label, "kinds": kinds}, field) from None
    return kind, width, height
