"""The certificate as printed (§8.2): A4 landscape, the content of §8.2.2.1 printed, never handwritten (§8.2.3.2):
name, ID type and number, occupation, trade ("——" when none, §8.2.2.2), level, number, QR code, body, date of
issue, the photo printed on the page; a long occupation or trade name goes on two lines.

The paper certificate is drawn for the body's blank stock; the electronic one is the same page with the words
电子证书 and the QR code that carries the signed payload (``signing.py``), so it verifies online and offline.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from skillcert.core.pdf import cjk_font, draw_qr, photo_image

from . import signing
from .models import Certificate


def lines(text: str, font: str, size: float, width: float, most: int = 2) -> list[str]:
    """``text`` broken into at most ``most`` lines of ``width`` points (§8.2.2.2: a long name on two lines); the
    last line is shrunk to fit rather than cut."""
    out, current = [], ""
    for ch in text:
        if stringWidth(current + ch, font, size) > width and current and len(out) < most - 1:
            out.append(current)
            current = ""
        current += ch
    return [*out, current] if current or not out else out


def verify_url(token: str) -> str:
    return f"{settings.SKILLCERT_SITE_URL}/verify/?{urlencode({'t': token})}"


class Layout:
    """A body's printing settings (``CertificateLayout``) as the drawing needs them: the seal image read once."""

    def __init__(self, body_id: int | None):
        from .models import CertificateLayout

        row = CertificateLayout.objects.filter(body_id=body_id).first() if body_id else None
        self.dx = (row.offset_x_mm if row else 0) * mm
        self.dy = (row.offset_y_mm if row else 0) * mm
        self.preprinted = bool(row and row.preprinted)
        self.seal_mm = row.seal_mm if row else 40
        self.seal = None
        if row and row.seal:
            with row.seal.open("rb") as fh:
                self.seal = ImageReader(io.BytesIO(fh.read()))


def draw(c: Canvas, cert: Certificate, *, electronic: bool, key=None, layout: Layout | None = None,
         token: str | None = None) -> None:
    """One certificate page. On paper the page moves by the printer's calibration and leaves out the frame and
    title when the stock has them preprinted; the seal image goes over the body's name (§8.2.3.3)."""
    font = cjk_font()
    w, h = landscape(A4)
    layout = layout or Layout(cert.body_id)
    c.saveState()
    if not electronic:
        c.translate(layout.dx, layout.dy)
    if electronic or not layout.preprinted:
        c.setStrokeColor(colors.HexColor("#0f6b4f"))
        c.setLineWidth(2)
        c.rect(12 * mm, 12 * mm, w - 24 * mm, h - 24 * mm)
        c.setFont(font, 26)
        c.drawCentredString(w / 2, h - 38 * mm, _("职业技能等级证书"))
    if cert.is_reissue:
        c.setFont(font, 12)
        c.drawString(w - 40 * mm, h - 30 * mm, _("（补发）"))
    if electronic:
        c.setFont(font, 11)
        c.setFillColor(colors.HexColor("#0f6b4f"))
        c.drawCentredString(w / 2, h - 46 * mm, _("电子证书 · 扫描二维码核验"))
        c.setFillColor(colors.black)
    # Photo, printed (§8.2.3.2), 30 × 40 mm, top left.
    left, top = 30 * mm, h - 58 * mm
    profile = getattr(cert.holder, "candidate_profile", None) if cert.holder_id else None
    photo = photo_image(profile.photo) if profile is not None and profile.photo else None
    if photo is not None:
        c.drawImage(photo, left, top - 40 * mm, 30 * mm, 40 * mm, preserveAspectRatio=True, anchor="c")
    c.setStrokeColor(colors.grey)
    c.setLineWidth(0.5)
    c.rect(left, top - 40 * mm, 30 * mm, 40 * mm)
    rows = [(_("姓名"), cert.name), (_("证件类型"), cert.id_type), (_("证件号码"), cert.id_number),
            (_("职业名称"), cert.occupation), (_("工种名称"), cert.trade), (_("职业技能等级"), cert.level),
            (_("证书编号"), cert.number)]
    x_label, x_value, width = 75 * mm, 110 * mm, w - 110 * mm - 80 * mm
    y = top - 4 * mm
    for label, value in rows:
        c.setFont(font, 11)
        c.setFillColor(colors.HexColor("#52606d"))
        c.drawString(x_label, y, label)
        c.setFillColor(colors.black)
        parts = lines(value, font, 14, width)
        for i, part in enumerate(parts):
            size = 14
            while stringWidth(part, font, size) > width and size > 7:
                size -= 0.5
            c.setFont(font, size)
            c.drawString(x_value, y - i * 6.5 * mm, part)
        y -= (9 + 6.5 * (len(parts) - 1)) * mm
    # QR (right), the body and the date (bottom right); the seal goes over the body's name (§8.2.3.3).
    qr = 42 * mm
    token = token or signing.sign(cert, key)
    draw_qr(c, verify_url(token), w - 30 * mm - qr, top - qr, qr)
    c.setFont(font, 9)
    c.drawCentredString(w - 30 * mm - qr / 2, top - qr - 5 * mm, _("扫码查询与核验"))
    if layout.seal is not None:
        size = layout.seal_mm * mm
        c.drawImage(layout.seal, w - 30 * mm - 30 * mm - size / 2, 34 * mm - size / 2, size, size, mask="auto",
                    preserveAspectRatio=True, anchor="c")
    c.setFont(font, 13)
    c.drawRightString(w - 30 * mm, 40 * mm, cert.body_name)
    c.drawRightString(w - 30 * mm, 31 * mm, _("发证日期：%(y)s年%(m)s月%(d)s日") % {
        "y": cert.issue_date.year, "m": cert.issue_date.month, "d": cert.issue_date.day})
    c.setFont(font, 8)
    c.setFillColor(colors.HexColor("#52606d"))
    url = f"{settings.SKILLCERT_SITE_URL}/verify/"
    c.drawString(20 * mm, 17 * mm, _("本证书可在 %(url)s 查询核验。") % {"url": url})
    c.setFillColor(colors.black)
    c.restoreState()


def missing_for_print(certs: list[Certificate]) -> list[str]:
    """What stops these certificates from being printed (§8.2.3.2 照片直接在证书上打印, §8.2.3.3 盖机构章): the
    holders without a photo, by name and number, and each body without an uploaded seal. Empty when they may be
    printed. Only valid certificates are ever printed: a revoked or replaced one is named too."""
    from .models import CertificateLayout, CertificateStatus

    out = []
    invalid = [c for c in certs if c.status != CertificateStatus.VALID]
    if invalid:
        out.append(_("以下证书已撤销或已被补发的新证替换，不能打印：%(list)s") % {
            "list": "、".join(f"{c.name}（{c.number}）" for c in invalid)})
    no_photo = []
    for c in certs:
        profile = getattr(c.holder, "candidate_profile", None) if c.holder_id else None
        if profile is None or not profile.photo:
            no_photo.append(f"{c.name}（{c.number}）")
    if no_photo:
        out.append(_("以下持证人没有证件照，证书须打印照片（§8.2.3.2）：%(list)s") % {"list": "、".join(no_photo)})
    bodies = {c.body_id: c.body_name for c in certs}
    sealed = set(CertificateLayout.objects.filter(body_id__in=bodies).exclude(seal="").values_list("body_id",
                                                                                                   flat=True))
    for body_id, name in bodies.items():
        if body_id not in sealed:
            out.append(_("%(body)s 尚未上传机构印章，证书须盖章（§8.2.3.3）：请机构管理员在“证书版式与印章”上传。")
                       % {"body": name})
    return out


def check_printable(certs: list[Certificate]) -> None:
    """Refuses (ValidationError naming what is missing) unless ``missing_for_print`` is empty."""
    from skillcert.core.errors import ValidationError

    missing = missing_for_print(certs)
    if missing:
        raise ValidationError(missing)


def certificate_pdf(certs: list[Certificate], *, electronic: bool, sign_file: bool = True) -> bytes:
    """The certificates of one body as one PDF. The electronic one carries the QR tokens in its keywords and a PAdES
    signature over the whole file (``pades.py``), unless ``sign_file`` is False."""
    check_printable(certs)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=landscape(A4))
    key = signing.private_key()
    layouts: dict[int, Layout] = {}
    tokens = []
    for cert in certs:
        layout = layouts.get(cert.body_id) or layouts.setdefault(cert.body_id, Layout(cert.body_id))
        token = signing.sign(cert, key)
        tokens.append(token)
        draw(c, cert, electronic=electronic, key=key, layout=layout, token=token)
        c.showPage()
    if electronic:
        c.setKeywords(" ".join(tokens))
    c.save()
    data = buffer.getvalue()
    if electronic and sign_file:
        from . import pades

        data = pades.sign(data)
    return data


SPECIMEN = "specimen"  # what the specimen's QR carries: no signature, so it verifies as nothing


def specimen_pdf(body) -> bytes:
    """样张: one page with placeholder content in the body's paper layout, to calibrate the printer on plain paper
    before printing on the numbered stock (not a certificate: it has no number in any sequence)."""
    import datetime as dt

    cert = Certificate(number="S" + "0" * 21, name=_("样张 非正式证书"), id_type=_("居民身份证"),
                       id_number="000000000000000000", occupation=_("碳排放管理员"), occupation_code="4-09-07-04",
                       trade=_("碳排放监测员"), level=_("四级/中级工"), level_number=4, body_name=body.name,
                       issue_date=dt.date.today(), body=body)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=landscape(A4))
    draw(c, cert, electronic=False, layout=Layout(body.pk), token=SPECIMEN)
    c.showPage()
    c.save()
    return buffer.getvalue()


# --- 证书花名册 (§9.1 f) -------------------------------------------------------------------------------------------

def roster_header() -> list[str]:
    return [_("序号"), _("证书编号"), _("姓名"), _("证件类型"), _("证件号码"), _("职业名称"), _("工种名称"),
            _("职业技能等级"), _("发证日期"), _("状态")]


def roster_rows(issue) -> list[list[str]]:
    """One row per certificate of an issue, reissues included; the ID number in full (the roster is archived by
    the body, not published)."""
    rows = []
    for i, c in enumerate(issue.certificates.select_related("replaced_by").order_by("number"), start=1):
        status = c.get_status_display() + (f" → {c.replaced_by.number}" if c.replaced_by_id else "") + (
            f"（{_('补发')}）" if c.is_reissue else "")
        rows.append([str(i), c.number, c.name, c.id_type, c.id_number, c.occupation, c.trade, c.level,
                     c.issue_date.isoformat(), status])
    return rows


def roster_xlsx(issue) -> bytes:
    from skillcert.core.excel import workbook_bytes

    return workbook_bytes(_("证书花名册"), roster_header(), roster_rows(issue))


def roster_pdf(issue, printed_by: str) -> bytes:
    from skillcert.core.pdf import printed_footer, table_pdf

    rows = roster_rows(issue)
    return table_pdf(title=_("%(batch)s 证书花名册") % {"batch": issue.batch.name},
                     lines=[issue.batch.announcement.body.name, _("发证日期 %(d)s，共 %(n)s 本") % {
                         "d": issue.issue_date.isoformat() if issue.issue_date else "—", "n": len(rows)}],
                     header=roster_header(), rows=rows, widths_mm=[11, 50, 20, 22, 40, 26, 26, 20, 22, 36],
                     footer=printed_footer(printed_by))
