"""Upload bombs (§10.9; issue #20 item 4): limits judged before a zip, a sheet or an image is read, and the
spreadsheet formula guard undone on import exactly where export applied it (issue #20 item 15).

The malicious files are built by hand with ``zipfile``: openpyxl writes only the rows it is given, so a sheet
that claims 4 million rows, or a row of thousands of cells, is written as XML directly."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from skillcert.core import limits
from skillcert.core.excel import read_rows, safe_cell, unguard, workbook_bytes

HEADERS = ["姓名*", "说明"]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _base_workbook() -> dict[str, bytes]:
    wb = Workbook()
    wb.active.append(HEADERS)
    buffer = io.BytesIO()
    wb.save(buffer)
    zf = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    return {name: zf.read(name) for name in zf.namelist()}


def _zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def workbook_with_sheet(rows_xml: str, **extra: bytes) -> bytes:
    """A real workbook whose first sheet is replaced by ``rows_xml`` (inside <sheetData>)."""
    members = _base_workbook()
    members["xl/worksheets/sheet1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
        f'<row r="1">{_cell("A1", HEADERS[0])}{_cell("B1", HEADERS[1])}</row>{rows_xml}'
        f'</sheetData></worksheet>').encode()
    members.update(extra)
    return _zip(members)


def refused(data: bytes, **kw) -> str:
    started = time.monotonic()
    with pytest.raises(ValidationError) as exc:
        list(read_rows(data, HEADERS, **kw))
    assert time.monotonic() - started < 5, "refused quickly, not after walking the file"
    return exc.value.message_dict["file"][0]


def test_a_well_formed_hand_made_sheet_is_read():
    data = workbook_with_sheet(f'<row r="2">{_cell("A2", "张三")}{_cell("B2", "-3")}</row>')
    assert list(read_rows(data, HEADERS)) == [(2, ("张三", "-3"))]


def test_a_tiny_sheet_claiming_row_four_million_is_refused_before_openpyxl_fills_the_gap():
    data = workbook_with_sheet(f'<row r="4000000">{_cell("A4000000", "x")}</row>')
    assert len(data) < 5000
    message = refused(data)
    assert "行" in message and "21001" in message


def test_a_sheet_of_many_empty_rows_is_refused_by_count():
    empty = "".join(f'<row r="{n}"/>' for n in range(2, 30002))
    data = workbook_with_sheet(empty + f'<row r="30002">{_cell("A30002", "x")}</row>')
    assert "含空行" in refused(data)


def test_the_row_limit_follows_the_caller():
    rows = "".join(f'<row r="{n}">{_cell(f"A{n}", "x")}</row>' for n in range(2, 13))
    assert "最多导入 10 行" in refused(workbook_with_sheet(rows), max_rows=10)


def test_a_row_of_thousands_of_cells_is_refused():
    cells = "".join(f'<c r="A2"><v>{i}</v></c>' for i in range(3000))
    assert "单元格" in refused(workbook_with_sheet(f'<row r="2">{cells}</row>'))


def test_a_row_without_row_numbers_is_counted_too():
    rows = "<row/>" * 25000
    assert "含空行" in refused(workbook_with_sheet(rows))


def test_a_huge_inline_string_is_refused_from_the_zip_directory():
    """A few MB of one letter compress to a few KB: refused by the compression ratio before inflating."""
    big = "x" * (6 * 1024 * 1024)
    data = workbook_with_sheet(f'<row r="2">{_cell("A2", big)}</row>')
    assert len(data) < 50_000
    message = refused(data)
    assert "压缩比" in message and "sheet1.xml" in message


def test_a_member_of_zeros_is_refused_wherever_it_is():
    data = workbook_with_sheet("", **{"xl/media/image1.png": b"\0" * (4 * 1024 * 1024)})
    assert "压缩比" in refused(data)


def test_zip_directory_limits_count_size_and_total():
    small = limits.ZipLimits(members=3, member_bytes=1000, total_bytes=1500, ratio=200)
    with pytest.raises(ValidationError, match="4 个部件"):
        limits.open_zip(_zip({f"{i}.txt": b"a" for i in range(4)}), small)
    with pytest.raises(ValidationError, match="单个部件"):
        limits.open_zip(_zip({"a.txt": bytes(range(256)) * 5}), small)
    with pytest.raises(ValidationError, match="解压后共"):
        limits.open_zip(_zip({"a.txt": bytes(range(256)) * 3, "b.txt": bytes(range(256)) * 3}), small)
    with pytest.raises(ValidationError, match="不是有效的压缩文件"):
        limits.open_zip(b"PK\x03\x04 not a zip", small)
    assert limits.open_zip(_zip({"a.txt": b"ok"}), small).read("a.txt") == b"ok"


def _lie_about_size(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size a member's local header and central directory entry declare."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := out.find(signature, at)) != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if out[name_at:name_at + len(name)] == name:
                out[at + offset:at + offset + 4] = struct.pack("<I", size)
            at += 4
    return bytes(out)


def test_a_member_that_lies_about_its_size_is_not_inflated_beyond_what_it_declares():
    """zipfile stops at the declared size (then the CRC fails), so the directory's sizes bound every reader."""
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>' for n in range(2, 200_000))
    honest = workbook_with_sheet(rows)
    lying = _lie_about_size(honest, b"xl/worksheets/sheet1.xml", 10_000)
    assert "无法读取" in refused(lying)


def test_a_file_that_is_not_a_workbook_is_refused_plainly():
    assert "无法读取" in refused(b"hello")


# --- the formula guard (item 15) ---------------------------------------------------------------------------

TRICKY = ["-3", "=SUM(A1)", "'quoted", "+86 138 0000 0000", "@x", "'=already", "''-2", "'", "普通文本", "a-b", ""]


@pytest.mark.parametrize("text", TRICKY)
def test_guard_then_unguard_gives_back_the_text(text):
    assert unguard(safe_cell(text)) == text


def test_a_guarded_sheet_round_trips_every_tricky_text():
    data = workbook_bytes("t", HEADERS, [[f"r{i}", text] for i, text in enumerate(TRICKY)])
    read = {values[0]: values[1] for _n, values in read_rows(data, HEADERS)}
    assert [read[f"r{i}"] or "" for i in range(len(TRICKY))] == TRICKY


def test_what_a_spreadsheet_would_run_is_written_as_text():
    assert safe_cell("=HYPERLINK(\"http://x\")").startswith("'=") and safe_cell("-3") == "'-3" and safe_cell(-3) == -3


# --- images ---------------------------------------------------------------------------------------------

def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width × height and holds a tiny compressed stream: the header is all Pillow reads."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def test_an_image_of_a_hundred_megapixels_is_refused_from_its_header():
    started = time.monotonic()
    with pytest.raises(ValidationError) as exc:
        limits.check_image(png_header_only(10000, 10000), limits.FIGURE, label="附图")
    assert time.monotonic() - started < 1
    assert "10000×10000" in exc.value.message_dict["file"][0]


def test_an_image_past_pillow_s_own_bomb_limit_is_refused_as_too_large_not_as_broken():
    with pytest.raises(ValidationError, match="像素过多"):
        limits.check_image(png_header_only(20000, 20000), limits.FIGURE)


def test_a_long_thin_image_is_refused_by_its_side():
    with pytest.raises(ValidationError, match="每边不超过 8000"):
        limits.check_image(png_header_only(20000, 10), limits.FIGURE)


def test_a_normal_image_passes_and_other_formats_do_not():
    from tests.factories import png_bytes

    assert limits.check_image(png_bytes(40, 30), limits.FIGURE) == ("PNG", 40, 30)
    with pytest.raises(ValidationError, match="只能是 PNG、JPG"):
        limits.check_image(png_bytes(40, 30, fmt="GIF"), limits.FIGURE)
    with pytest.raises(ValidationError, match="已损坏"):
        limits.check_image(b"\x89PNG\r\n\x1a\nbroken", limits.FIGURE)
