"""Excel export (openpyxl, write-only mode so large exports stream in constant memory)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FORMULA_START = ("=", "+", "-", "@")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in text cells (OWASP CSV injection): a text that a spreadsheet
    would read as a formula gets a leading apostrophe. Texts that already start with apostrophes before such a
    character get one more, so that ``unguard`` (applied by ``read_rows``) gives back exactly what was written."""
    if isinstance(value, str) and value.lstrip("'")[:1] in FORMULA_START:
        return "'" + value
    return value


def unguard(value: Any) -> Any:
    """Undo ``safe_cell`` on a value read back from a sheet: exactly one apostrophe, only where ``safe_cell`` put it."""
    if isinstance(value, str) and value[:1] == "'" and value.lstrip("'")[:1] in FORMULA_START:
        return value[1:]
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
        ws.append([safe_cell(v) for v in row])
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


READ_MAX_ROWS = 20000


def read_rows(data: bytes, headers: Sequence[str], *, max_rows: int = READ_MAX_ROWS) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of every non-empty row of the first sheet, after checking its header row
    starts with ``headers``. Raises ValidationError on {"file": ...} when the file is not such a sheet, or when
    it is larger than ``core.limits`` allows (checked before the sheet is parsed: unpacked size, rows, cells);
    more than ``max_rows`` non-empty rows are refused too. Texts come back as ``workbook_bytes`` wrote them
    (the formula guard is undone)."""
    from . import limits

    width = len(headers)
    sheet = limits.SheetLimits(rows=max_rows, columns=max(1000, width),
                               cells=(max_rows + 1 + limits.EMPTY_ROWS) * max(width, 20) * 2)
    wb = limits.open_workbook(data, sheet, unreadable=_("无法读取该文件，请上传用模板填写的 .xlsx 文件。"))
    count = 0
    try:
        rows = limits.sheet_rows(wb, sheet, max_col=width)
        first = next(rows, None)
        header = [cell_text(v) for v in (first[1] if first else ())][:width]
        if header != list(headers):
            raise ValidationError({"file": _("第一行表头与模板不一致，请下载最新模板填写。")})
        for number, row in rows:
            values = tuple(unguard(v) for v in row[:width]) + (None,) * (width - len(row))
            if all(v is None or cell_text(v) == "" for v in values):
                continue
            count += 1
            if count > max_rows:
                raise ValidationError({"file": _("一次最多导入 %(n)d 行数据，请拆分文件。") % {"n": max_rows}})
            yield number, values
    finally:
        wb.close()
