"""Paper print outputs (§10.3 试卷印制, §6.3.2.2): every PDF is A4 with the CJK font embedded, page
numbers, the form label, and a watermark naming the batch and the copy number on every page so a leaked
page is traced to its copy. Built from the sealed documents, never from the live bank.

- paper_pdf          one form, ``copies`` numbered copies (第 k 份)
- answer_sheet_pdf   the answer sheet for a theory form (boxes per question)
- key_pdf            the answer key and scoring standard for all forms (sealed separately)
- practical_pdf      task sheets for candidates and scoring sheets for examiners
- handover_pdf       试卷交接单 for a custody event, with both parties' confirmation times
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table, TableStyle

from skillcert.core.pdf import GRID, HEAD_BG, cjk_font, local_time, para
from skillcert.itembank.enums import CHOICE_TYPES, OPTION_KEYS, ItemType

from .models import CustodyEvent, Paper

TYPE_LABELS = dict(ItemType.choices)
MAX_COPIES = 200


def _when(at) -> str:
    return local_time(at, "%Y-%m-%d %H:%M") if at else "—"


def form_label(number: int) -> str:
    letter = chr(ord("A") + number - 1)
    return (_("%(l)s卷（正式卷）") if number == 1 else _("%(l)s卷（备用卷）")) % {"l": letter}


class _Marks:
    """Draws the confidential header, watermark and page numbers on every page of one copy."""

    def __init__(self, paper: Paper, label: str, copy_of: tuple[int, int] | None, by: str):
        self.paper, self.label, self.copy_of, self.by = paper, label, copy_of, by
        self.copy_pages: dict[int, int] = {}

    def __call__(self, canvas, doc) -> None:
        font = cjk_font()
        w, h = A4
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.setFillColor(colors.HexColor("#b00020"))
        canvas.drawString(14 * mm, h - 9 * mm, _("绝密★启用前"))
        canvas.setFillColor(colors.black)
        canvas.drawRightString(w - 14 * mm, h - 9 * mm, f"{self.paper.code}　{self.label}")
        copy = getattr(doc, "copy_no", None)
        mark = _("%(batch)s　%(copy)s　%(by)s") % {
            "batch": self.paper.session.batch.name,
            "copy": (_("第 %(k)d 份 / 共 %(n)d 份") % {"k": copy, "n": self.copy_of[1]}) if copy else "",
            "by": self.by}
        canvas.drawCentredString(w / 2, 8 * mm, _("第 %(p)d 页") % {"p": doc.page} + "　" + mark)
        canvas.setFillColor(colors.Color(0.6, 0.6, 0.6, alpha=0.18))
        canvas.setFont(font, 26)
        canvas.translate(w / 2, h / 2)
        canvas.rotate(35)
        for dy in (-90 * mm, 0, 90 * mm):
            canvas.drawCentredString(0, dy, mark)
        canvas.restoreState()


class _CopyDoc(SimpleDocTemplate):
    """A document whose story may hold several numbered copies: a marker flowable sets the copy number
    while its page is laid out, and the marks are drawn when the page ends (so they name the right copy)."""

    copy_no: int | None = None
    marks = None

    def afterPage(self):
        if self.marks is not None:
            self.marks(self.canv, self)


class _SetCopy(Spacer):
    def __init__(self, number: int):
        super().__init__(0, 0)
        self.number = number

    def draw(self) -> None:
        pass

    def wrap(self, aw, ah):
        self.canv._doctemplate.copy_no = self.number  # type: ignore[attr-defined]
        return (0, 0)


def _doc(buffer, title: str, marks=None) -> _CopyDoc:
    doc = _CopyDoc(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                   bottomMargin=16 * mm, title=title, author="skillcert")
    doc.marks = marks
    return doc


def _heading(paper: Paper, title: str, label: str) -> list:
    s = paper.session
    return [para(title, "title"),
            para(f"{paper.bank.occupation.name}（{paper.bank.trade.name if paper.bank.trade else ''}）"
                 f"{paper.bank.level.name}　{s.get_kind_display()}", "center"),
            para(_("%(batch)s　%(time)s　%(label)s") % {"batch": s.batch.name, "time": _when(s.starts_at),
                                                       "label": label}, "center"),
            Spacer(1, 4 * mm)]


def _question(item: dict) -> list:
    head = f"{item['position']}. （{TYPE_LABELS.get(item['type'], item['type'])}，{item['points']}分）{item['stem']}"
    out = [para(head)]
    if item["type"] in CHOICE_TYPES:
        for key, text in zip(OPTION_KEYS, item.get("options") or [], strict=False):
            out.append(para(f"　　{key}. {text}"))
    elif item["type"] == ItemType.JUDGE:
        out.append(para(_("　　（ 正确 / 错误 ）")))
    else:
        out.append(Spacer(1, 30 * mm))
    out.append(Spacer(1, 2 * mm))
    return out


def paper_pdf(paper: Paper, doc_data: dict, *, copies: int = 1, by: str = "") -> bytes:
    """One form as ``copies`` numbered copies, each starting on a new page."""
    copies = max(1, min(int(copies), MAX_COPIES))
    label = form_label(doc_data["form"])
    buffer = io.BytesIO()
    doc = _doc(buffer, f"{paper.code} {label}", _Marks(paper, label, (1, copies), by))
    story: list = []
    for k in range(1, copies + 1):
        if k > 1:
            story.append(PageBreak())
        story += [_SetCopy(k), *_heading(paper, _("理论知识考试试卷"), label),
                  para(_("注意事项：1. 考试时间 %(m)d 分钟。2. 请在答题卡规定位置填写姓名、准考证号。"
                         "3. 请将答案写在答题卡上，写在试卷上无效。") % {"m": paper.session.duration_minutes}, "small"),
                  Spacer(1, 3 * mm)]
        for item in doc_data["items"]:
            story += _question(item)
    doc.build(story)
    return buffer.getvalue()


def answer_sheet_pdf(paper: Paper, doc_data: dict) -> bytes:
    """答题卡 for a form: candidate fields and one row per question with the boxes to mark."""
    label = form_label(doc_data["form"])
    buffer = io.BytesIO()
    doc = _doc(buffer, f"{paper.code} {label} 答题卡", _Marks(paper, label, None, ""))
    fields = Table([[_("姓名"), "", _("准考证号"), "", _("座位号"), ""]],
                   colWidths=[16 * mm, 38 * mm, 22 * mm, 50 * mm, 18 * mm, 22 * mm], rowHeights=[10 * mm])
    fields.setStyle(TableStyle([*GRID, ("FONTNAME", (0, 0), (-1, -1), cjk_font())]))
    rows, line = [], []
    for item in doc_data["items"]:
        if item["type"] in CHOICE_TYPES:
            marks = "  ".join(f"[{k}]" for k in OPTION_KEYS[:len(item.get("options") or [])])
        elif item["type"] == ItemType.JUDGE:
            marks = _("[对]  [错]")
        else:
            marks = _("（答在答题纸上）")
        line.append(para(f"{item['position']}.  {marks}", "cell"))
        if len(line) == 3:
            rows.append(line)
            line = []
    if line:
        rows.append(line + [""] * (3 - len(line)))
    grid = Table(rows or [[""]], colWidths=[59 * mm] * 3)
    grid.setStyle(TableStyle(GRID))
    story = [*_heading(paper, _("答题卡"), label), fields, Spacer(1, 4 * mm), grid, Spacer(1, 4 * mm),
             para(_("用 2B 铅笔将所选答案涂黑；修改时用橡皮擦净。"), "small")]
    doc.build(story)
    return buffer.getvalue()


def key_pdf(paper: Paper, key_data: dict, *, by: str = "") -> bytes:
    """参考答案及评分标准 for every form — a separately sealed document for examiners and graders."""
    label = _("参考答案及评分标准")
    buffer = io.BytesIO()
    doc = _doc(buffer, f"{paper.code} {label}", _Marks(paper, label, None, by))
    story: list = [*_heading(paper, label, _("全部卷别"))]
    for form in key_data["forms"]:
        story.append(para(form_label(form["form"]), "head"))
        rows = [[para(x, "cell") for x in (_("题号"), _("试题编号"), _("题型"), _("分值"), _("答案"), _("评分标准"))]]
        for it in form["items"]:
            rubric = it.get("rubric") or ""
            if it.get("scoring_sheet"):
                rubric += "\n" + "\n".join(f"{c.get('criterion', '')}（{c.get('points', '')}分）"
                                           for c in it["scoring_sheet"])
            rows.append([para(str(it["position"]), "cell"), para(it["code"], "cell"),
                         para(TYPE_LABELS.get(it["type"], it["type"]), "cell"), para(it["points"], "cell"),
                         para(_("正确") if it["answer"] == "T" else _("错误") if it["answer"] == "F" else it["answer"],
                              "cell"),
                         para(rubric.strip(), "cell")])
        table = Table(rows, colWidths=[12 * mm, 24 * mm, 18 * mm, 14 * mm, 50 * mm, 60 * mm], repeatRows=1)
        table.setStyle(TableStyle([*GRID, HEAD_BG]))
        story += [table, Spacer(1, 4 * mm)]
    doc.build(story)
    return buffer.getvalue()


def practical_pdf(paper: Paper, doc_data: dict, *, examiner: bool, by: str = "") -> bytes:
    """实操任务书 for candidates, or 评分记录表 for examiners (§6.3.1.3): task, time, materials, and for
    examiners the scoring items with points and a column to score."""
    label = form_label(doc_data["form"])
    title = _("实际操作考核评分记录表") if examiner else _("实际操作考核任务书")
    buffer = io.BytesIO()
    doc = _doc(buffer, f"{paper.code} {label} {title}", _Marks(paper, label, None, by))
    story: list = [*_heading(paper, title, label)]
    if examiner:
        story.append(para(_("考生准考证号：________________　工位号：______　考评员：________________"), "body"))
    for item in doc_data["items"]:
        story.append(para(_("任务 %(n)d（%(p)s分，限时 %(t)s 分钟）") % {
            "n": item["position"], "p": item["points"], "t": item.get("time_minutes") or "—"}, "head"))
        story.append(para(item["stem"]))
        if item.get("materials"):
            story.append(para(_("材料、设备和工具：%(m)s") % {"m": item["materials"]}, "small"))
        if examiner:
            rows = [[para(x, "cell") for x in (_("评分项目"), _("配分"), _("评分方法"), _("得分"))]]
            for c in item.get("scoring_sheet") or []:
                rows.append([para(c.get("criterion", ""), "cell"), para(str(c.get("points", "")), "cell"),
                             para(c.get("method", ""), "cell"), ""])
            table = Table(rows, colWidths=[70 * mm, 16 * mm, 70 * mm, 20 * mm], repeatRows=1)
            table.setStyle(TableStyle([*GRID, HEAD_BG]))
            story += [Spacer(1, 2 * mm), table]
        story.append(Spacer(1, 4 * mm))
    if examiner:
        story.append(para(_("考评员签字：________________　考评组长签字：________________")))
    doc.build(story)
    return buffer.getvalue()


def handover_pdf(event: CustodyEvent) -> bytes:
    """试卷交接单 (§6.3.2.2, §10.4): what changed hands, counts, bag and seal numbers, who confirmed when."""
    paper = event.paper
    buffer = io.BytesIO()
    doc = _doc(buffer, f"{paper.code} 试卷交接单")
    rows = [[_("试卷编号"), paper.code, _("场次"), f"{paper.session.batch.name} {paper.session}"],
            [_("环节"), event.get_kind_display(), _("时间"), _when(event.occurred_at)],
            [_("地点"), event.place or "—", _("考场"), str(event.room) if event.room else "—"],
            [_("份数"), str(event.count if event.count is not None else "—"), _("袋号 / 密封条号"),
             f"{event.bag_no or '—'} / {event.seal_no or '—'}"],
            [_("说明"), event.note or "—", _("登记人"), event.recorded_by.full_name or event.recorded_by.username]]
    table = Table([[para(str(c), "cell") for c in r] for r in rows], colWidths=[26 * mm, 62 * mm, 30 * mm, 60 * mm])
    table.setStyle(TableStyle(GRID))
    people = [[para(x, "cell") for x in (_("身份"), _("姓名"), _("系统确认时间"), _("签字"))]]
    for party in event.parties.all():
        people.append([para(ROLE_LABELS.get(party.role, party.role), "cell"),
                       para(party.user.full_name or party.user.username, "cell"),
                       para(_when(party.confirmed_at) if party.confirmed_at else _("未确认"), "cell"), ""])
    ptable = Table(people, colWidths=[36 * mm, 46 * mm, 50 * mm, 46 * mm], rowHeights=[None] + [12 * mm] * (
        len(people) - 1), repeatRows=1)
    ptable.setStyle(TableStyle([*GRID, HEAD_BG]))
    discrepancy = getattr(event, "discrepancy", None)
    story = [para(_("试卷交接单"), "title"), table, Spacer(1, 5 * mm), ptable, Spacer(1, 5 * mm)]
    if discrepancy is not None:
        story.append(para(_("份数差异：应有 %(e)d 份，实有 %(a)d 份（%(s)s）") % {
            "e": discrepancy.expected, "a": discrepancy.actual, "s": discrepancy.get_status_display()}))
    story.append(para(_("依据 T/QDSF 015—2022 §6.3.2.2、§10.4：试卷交接双方当面清点，签字确认。"), "small"))
    doc.build(story)
    return buffer.getvalue()


ROLE_LABELS = {"operator": gettext_lazy("操作人"), "escorts": gettext_lazy("押运人"),
               "from_user": gettext_lazy("交出人"), "to_user": gettext_lazy("接收人"),
               "witnesses": gettext_lazy("见证人（监考）")}
