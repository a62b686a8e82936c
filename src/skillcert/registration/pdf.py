"""Printable announcement (认定公告, §6.1.2) as PDF, with ReportLab.

Chinese text uses the embedded CJK font of ``core.pdf`` so the notice prints the same everywhere.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from skillcert.core.pdf import para

from .models import Announcement


def _para(text: str, style: str = "body") -> Paragraph:
    return para(text, style)


def announcement_pdf(ann: Announcement) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=ann.title, author=ann.body.name)
    local = timezone.localtime
    story = [_para(ann.title, "title"), _para(ann.body.name, "center"),
             Spacer(1, 6 * mm)]
    if ann.text:
        story += [_para(ann.text), Spacer(1, 3 * mm)]
    story += [_para(_("一、申报条件"), "head"), _para(ann.eligibility),
              _para(_("二、认定方式和报名时间"), "head"), _para(ann.assessment_method),
              _para(_("报名时间：%(a)s 至 %(b)s") % {"a": local(ann.registration_opens).strftime("%Y-%m-%d %H:%M"),
                                                  "b": local(ann.registration_closes).strftime("%Y-%m-%d %H:%M")}),
              _para(_("三、考区考点"), "head")]
    if ann.exam_areas:
        story.append(_para(ann.exam_areas))
    for v in ann.venues.all():
        story.append(_para(f"· {v.name}　{v.address}　{v.contact_phone}"))
    story.append(_para(_("四、认定职业（工种）、等级和收费标准"), "head"))
    rows = [[_para(_("职业")), _para(_("工种")), _para(_("等级")), _para(_("收费（元）"))]]
    for o in ann.offers.select_related("occupation", "trade", "level"):
        rows.append([_para(o.occupation.name), _para(o.trade.name if o.trade else _("全部工种")), _para(str(o.level)),
                     _para(o.fee_yuan)])
    table = Table(rows, colWidths=[40 * mm, 45 * mm, 40 * mm, 30 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f4ec")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [table, Spacer(1, 8 * mm),
              _para(_("联系地址：%(a)s　联系电话：%(p)s") % {"a": ann.body.address, "p": ann.body.contact_phone}),
              _para(_("发布日期：%(d)s") % {"d": local(ann.published_at).strftime("%Y-%m-%d") if ann.published_at
                                            else _("（草稿）")}),
              Spacer(1, 4 * mm), _para(_("依据 T/QDSF 015—2022 §6.1.2 发布。"), "small")]
    doc.build(story)
    return buffer.getvalue()
