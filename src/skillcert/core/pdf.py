"""PDF building blocks shared by every document (announcements, admission tickets, sign-in sheets,
work cards, later certificates): one embedded CJK font, paragraph styles and a vector QR code.

Every PDF embeds (a subset of) a TrueType CJK font so it prints the same on any machine (issue #4:
"All PDFs embed a CJK font"). The font file comes from ``settings.SKILLCERT_PDF_FONT`` — ``make
install`` fetches WenQuanYi Micro Hei from Debian's archive — or a system copy. With none present the
documents fall back to Adobe's STSong-Light CID font, which readers supply but which is not embedded;
``manage.py check`` warns about it (``core.W001``).
"""

from __future__ import annotations

import functools
import io
import logging
import os
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

log = logging.getLogger(__name__)

FONT_NAME = "SkillcertCJK"
FALLBACK_FONT = "STSong-Light"
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


# Table styles every register and sheet uses: a thin grey grid, cells centred vertically, a tinted header row.
GRID = [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
HEAD_BG = ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f4ec"))


def font_path() -> Path | None:
    for candidate in (settings.SKILLCERT_PDF_FONT, *SYSTEM_FONTS):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@functools.cache
def cjk_font() -> str:
    """Register the CJK font once per process and return its ReportLab name."""
    path = font_path()
    if path is not None:
        try:
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
            return FONT_NAME
        except Exception:  # a CFF-flavoured or damaged file: ReportLab reads TrueType outlines only
            log.exception("cannot use %s as the PDF font", path)
    log.warning("no embeddable CJK font found; PDFs use the non-embedded %s", FALLBACK_FONT)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def font_is_embedded() -> bool:
    return cjk_font() == FONT_NAME


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    return {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontSize=17, leading=26, alignment=TA_CENTER, spaceAfter=8),
        "head": ParagraphStyle("head", parent=body, fontSize=12.5, leading=20, spaceBefore=8, spaceAfter=2),
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=13, textColor=colors.grey),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=13),
        "center": ParagraphStyle("center", parent=body, alignment=TA_CENTER),
    }


def para(text: str, style: str | ParagraphStyle = "body") -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    st = styles()[style] if isinstance(style, str) else style
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), st)


def local_time(at, fmt: str) -> str:
    """A timestamp as printed: local time (Asia/Shanghai) in ``fmt``."""
    return timezone.localtime(at).strftime(fmt)


def photo_bytes(field_file) -> bytes | None:
    """A stored photo's bytes, or None when there is none or it cannot be read (a document prints without it)."""
    if not field_file:
        return None
    try:
        with field_file.open("rb") as fh:
            return fh.read()
    except (OSError, ValueError):
        return None


def photo_image(field_file, wrap=ImageReader):
    """What ``drawImage`` takes: a JPEG's file path where the storage has one — ReportLab then embeds
    the JPEG as it is, without decoding it (10,000 decoded photos cost hundreds of MB) — otherwise
    ``wrap`` (ImageReader for the canvas) over the bytes (PNG, or a storage without local paths)."""
    if not field_file:
        return None
    try:
        path = field_file.path
    except (NotImplementedError, ValueError):
        path = None
    if path and path.lower().endswith((".jpg", ".jpeg")) and os.path.isfile(path):
        return path
    data = photo_bytes(field_file)
    return wrap(io.BytesIO(data)) if data else None


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw ``data`` as a QR code (error correction M) with its lower-left corner at (x, y): one
    filled path of horizontal runs in module units, so it stays sharp at any print size.

    The mask pattern is fixed (2) rather than chosen by scoring all eight: any mask gives a valid,
    readable code, and scoring costs ~10 ms a code — most of a ticket's rendering time."""
    qr = segno.make(data, error="m", micro=False, mask=2)
    matrix = qr.matrix
    n = len(matrix)
    quiet = 2
    module = size / (n + 2 * quiet)
    ops = []
    for r, row in enumerate(matrix):
        top = n + quiet - r - 1
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{quiet + start} {top} {c - start} 1 re")
            else:
                c += 1
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.transform(module, 0, 0, module, x, y)
    canvas._code.append("\n".join(ops) + "\nf")  # raw operators: ReportLab's path API formats each number slowly
    canvas.restoreState()


def printed_footer(who: str) -> str:
    """The footer line of a printed register: who printed it and when (local time)."""
    from django.utils.translation import gettext as _

    return _("打印人：%(who)s　打印时间：%(at)s") % {"who": who, "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}


def table_pdf(*, title: str, lines: list[str], header: list[str], rows: list[list[str]], widths_mm: list[float],
              footer: str) -> bytes:
    """A printable register (汇总表, 花名册): a title, lines under it, one table with its header repeated on
    every page, and a footer line — landscape A4, 12 mm margins (273 mm of table width)."""
    import io

    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title, author="skillcert")
    cells = [[para(c, "cell") for c in row] for row in [header, *rows]]
    table = Table(cells, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("FONTNAME", (0, 0), (-1, -1), cjk_font()),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = [para(title, "title"), *[para(line, "center") for line in lines], Spacer(1, 4 * mm), table,
             Spacer(1, 4 * mm), para(footer, "small")]
    doc.build(story)
    return buffer.getvalue()
