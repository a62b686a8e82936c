"""Excel export (openpyxl, write-only mode so large exports stream in constant memory)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in text cells (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def workbook_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    bold = Font(bold=True)
    head = []
    for h in header:
        cell = WriteOnlyCell(ws, value=str(h))
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for row in rows:
        ws.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass
class RowError:
    """One problem in an uploaded sheet: spreadsheet row, column (letter and header) and message."""

    row: int
    column: str
    message: str


def error_report_bytes(errors: list[RowError]) -> bytes:
    return workbook_bytes(_("错误报告"), [_("行号"), _("列"), _("错误说明")],
                          ([e.row, e.column, e.message] for e in errors))


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(data: bytes, headers: Sequence[str]) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of every non-empty row of the first sheet, after checking its header row
    starts with ``headers``. Raises ValidationError on {"file": ...} when the file is not such a sheet."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ValidationError({"file": _("无法读取该文件，请上传用模板填写的 .xlsx 文件。")}) from None
    width = len(headers)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [cell_text(v) for v in next(rows, ())][:width]
        if header != list(headers):
            raise ValidationError({"file": _("第一行表头与模板不一致，请下载最新模板填写。")})
        for number, row in enumerate(rows, start=2):
            values = tuple(row[:width]) + (None,) * (width - len(row))
            if all(v is None or cell_text(v) == "" for v in values):
                continue
            yield number, values
    finally:
        wb.close()
