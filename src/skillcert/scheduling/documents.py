"""Printed documents of a sitting, all PDFs with the embedded CJK font of ``core.pdf``:

- admission tickets (准考证, §6.2.1, A.2.4): identity with photo, each session's venue, room, seat
  and times, the candidate notes and a QR code carrying the signed token of ``tickets.py``;
- per room and session: the sign-in sheet with photos (签到册, A.2.4), the door list and the seat chart;
- per venue: the room map and timetable to post the day before (§6.2.2.6);
- work cards (证卡, §6.4.1.5) with photo, role, venue and sessions.

Loading is done in a few queries per document set (``ticket_data``), so a batch of 10,000 tickets
renders without a query per ticket (``bench/scheduling.py``).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, SimpleDocTemplate, Spacer, Table, TableStyle

from skillcert.core.pdf import GRID, HEAD_BG, cjk_font, draw_qr, local_time, para, photo_image
from skillcert.registration.idnumbers import mask_id, parse_resident_id

from .enums import DEFAULT_CANDIDATE_NOTES, ROOM_SIGNOFF_ITEMS, RoomKind
from .models import AdmissionTicket, Batch, ExamSession, Room, SeatAssignment, StaffAssignment, TicketStatus
from .tickets import TicketClaim, private_key, sign_ticket


def session_times(s: ExamSession) -> str:
    return f"{local_time(s.starts_at, '%Y-%m-%d %H:%M')}–{local_time(s.ends_at, '%H:%M')}"


def ticket_times(s: ExamSession) -> str:
    """The date on one line and the clock times on the next, so a narrow cell never breaks inside a time
    ("09:00–10:3 / 0"); a session over midnight keeps both dates."""
    start, end = timezone.localtime(s.starts_at), timezone.localtime(s.ends_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d}\n{start:%H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–\n{end:%Y-%m-%d %H:%M}"


def _sex(id_type: str, id_number: str) -> str:
    if id_type != "resident_id":
        return ""
    try:
        return _("男") if parse_resident_id(id_number).sex == "male" else _("女")
    except Exception:
        return ""



# --- Admission tickets ---------------------------------------------------------------------------

@dataclass
class TicketSeat:
    kind: str
    times: str
    venue: str
    address: str
    room: str
    seat: str


@dataclass
class TicketData:
    number: str
    token: str
    full_name: str
    sex: str
    id_label: str
    id_number: str
    offer: str
    body: str
    batch: str
    notes: str
    room_key: tuple[str, str] = ("", "")
    photo: FieldFile | None = None  # read when the page is drawn, so 10,000 photos are never in memory at once
    seats: list[TicketSeat] = field(default_factory=list)


def ticket_data(batch: Batch, *, application_ids: Iterable[int] | None = None) -> list[TicketData]:
    """Everything the valid tickets of a batch print, in ticket-number order, in four queries
    (plus one photo read per candidate)."""
    from skillcert.accounts.enums import IdType

    tickets = (AdmissionTicket.objects.filter(batch=batch, status=TicketStatus.VALID)
               .select_related("application__offer__occupation", "application__offer__trade",
                               "application__offer__level", "application__candidate__candidate_profile")
               .order_by("number"))
    if application_ids is not None:
        tickets = tickets.filter(application_id__in=list(application_ids))
    seats: dict[int, list[SeatAssignment]] = defaultdict(list)
    for a in (SeatAssignment.objects.filter(session__batch=batch)
              .select_related("session", "seat__room__venue").order_by("session__starts_at")):
        seats[a.application_id].append(a)
    body = batch.announcement.body.name
    notes = batch.notes.strip() or str(DEFAULT_CANDIDATE_NOTES)
    labels = dict(IdType.choices)
    key = private_key()
    out = []
    for t in tickets:
        app = t.application
        profile = getattr(app.candidate, "candidate_profile", None)
        mine = seats.get(app.pk, [])
        data = TicketData(
            number=t.number,
            token=sign_ticket(TicketClaim(t.number, batch.pk, app.pk, app.id_number[-4:]), key),
            full_name=app.full_name, sex=_sex(app.id_type, app.id_number),
            id_label=str(labels.get(app.id_type, app.id_type)), id_number=app.id_number, offer=str(app.offer),
            body=body, batch=batch.name, notes=notes,
            photo=profile.photo if profile and profile.photo else None,
            seats=[TicketSeat(kind=a.session.get_kind_display(), times=ticket_times(a.session),
                              venue=a.seat.room.venue.name, address=a.seat.room.venue.address,
                              room=a.seat.room.name, seat=_seat_label(a.seat)) for a in mine])
        if mine:
            data.room_key = (mine[0].seat.room.venue.name, mine[0].seat.room.name)
        out.append(data)
    return out


def _seat_label(seat) -> str:
    return f"{seat.number:02d}" + (f"（{seat.workstation}）" if seat.workstation else "")


def draw_ticket(c: Canvas, t: TicketData) -> None:
    """One admission ticket on one A4 page."""
    font = cjk_font()
    w, h = A4
    left, right = 20 * mm, w - 20 * mm
    c.setTitle(_("准考证"))
    c.setFont(font, 11)
    c.drawCentredString(w / 2, h - 22 * mm, t.body)
    c.setFont(font, 20)
    c.drawCentredString(w / 2, h - 33 * mm, _("职业技能等级认定准考证"))
    c.setFont(font, 10)
    c.drawCentredString(w / 2, h - 40 * mm, t.batch)
    # Identity block and photo (30 × 40 mm).
    photo_x, photo_y = right - 30 * mm, h - 92 * mm
    photo = photo_image(t.photo) if t.photo is not None else None
    if photo is not None:
        c.drawImage(photo, photo_x, photo_y, 30 * mm, 40 * mm, preserveAspectRatio=True, anchor="c")
    else:
        c.setFont(font, 10)
        c.drawCentredString(photo_x + 15 * mm, photo_y + 19 * mm, _("照片"))
    c.setStrokeColor(colors.grey)
    c.rect(photo_x, photo_y, 30 * mm, 40 * mm)
    rows = [(_("准考证号"), t.number), (_("姓名"), t.full_name), (_("性别"), t.sex or "—"),
            (_("证件类型"), t.id_label), (_("证件号码"), t.id_number), (_("报考职业（工种）等级"), t.offer)]
    y = h - 54 * mm
    for label, value in rows:
        c.setFont(font, 10)
        c.setFillColor(colors.HexColor("#52606d"))
        c.drawString(left, y, label)
        c.setFillColor(colors.black)
        c.setFont(font, 15 if label == _("准考证号") else 12)
        c.drawString(left + 40 * mm, y, value)
        y -= 8 * mm
    # Sessions.
    table_rows = [[para(x, "cell") for x in (_("考试科目"), _("考试时间"), _("考点"), _("考场"), _("座位号"))]]
    for s in t.seats:
        table_rows.append([para(s.kind, "cell"), para(s.times, "cell"), para(s.venue, "cell"),
                           para(s.room, "cell"), para(s.seat, "cell")])
    table = Table(table_rows, colWidths=[38 * mm, 40 * mm, 40 * mm, 26 * mm, 26 * mm])
    table.setStyle(TableStyle([*GRID, HEAD_BG]))
    _tw, th = table.wrapOn(c, right - left, 80 * mm)
    top = h - 104 * mm
    table.drawOn(c, left, top - th)
    y = top - th - 7 * mm
    for address in dict.fromkeys(f"{s.venue}：{s.address}" for s in t.seats if s.address):
        c.setFont(font, 10)
        c.drawString(left, y, _("考点地址　%(a)s") % {"a": address})
        y -= 6 * mm
    # Notes (left) and QR (right).
    qr_size = 38 * mm
    notes = [para(_("考生须知"), "head"), para(t.notes, "cell")]
    box_w = right - left - qr_size - 8 * mm
    y_notes = y - 2 * mm
    for p in notes:
        _pw, ph = p.wrapOn(c, box_w, 100 * mm)
        p.drawOn(c, left, y_notes - ph)
        y_notes -= ph + 1 * mm
    draw_qr(c, t.token, right - qr_size, y - qr_size, qr_size)
    c.setFont(font, 8)
    c.drawCentredString(right - qr_size / 2, y - qr_size - 4 * mm, _("入场核验码"))
    c.setFont(font, 8)
    c.setFillColor(colors.grey)
    c.drawString(left, 14 * mm, _("依据 T/QDSF 015—2022 §6.2.1 发放。准考证号和核验码由系统签发，涂改无效。"))
    c.setFillColor(colors.black)


def tickets_pdf(items: list[TicketData], *, progress: Callable[[int], None] | None = None) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setAuthor("skillcert")
    for i, t in enumerate(items, 1):
        draw_ticket(c, t)
        c.showPage()
        if progress and i % 50 == 0:
            progress(i)
    if not items:
        c.setFont(cjk_font(), 12)
        c.drawString(20 * mm, A4[1] - 30 * mm, _("没有有效的准考证。"))
        c.showPage()
    c.save()
    return buffer.getvalue()


def ticket_pdf(ticket: AdmissionTicket) -> bytes:
    return tickets_pdf(ticket_data(ticket.batch, application_ids=[ticket.application_id]))


def tickets_by_room(batch: Batch) -> dict[tuple[str, str], list[TicketData]]:
    """The batch's valid tickets grouped by the venue and room of each candidate's first session."""
    groups: dict[tuple[str, str], list[TicketData]] = defaultdict(list)
    for t in ticket_data(batch):
        groups[t.room_key].append(t)
    return dict(sorted(groups.items()))


# --- Room documents (A.2.4) ----------------------------------------------------------------------

def _doc(buffer, title: str, *, pagesize=A4) -> SimpleDocTemplate:
    return SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=14 * mm, rightMargin=14 * mm,
                             topMargin=14 * mm, bottomMargin=14 * mm, title=title, author="skillcert")


def _room_heading(session: ExamSession, room: Room, title: str) -> list:
    return [para(title, "title"),
            para(_("%(batch)s　%(kind)s　%(times)s") % {"batch": session.batch.name, "kind": session.get_kind_display(),
                                                     "times": session_times(session)}, "center"),
            para(_("考点：%(v)s　考场：%(r)s　%(loc)s") % {"v": room.venue.name, "r": room.name,
                                                     "loc": room.location}, "center"),
            Spacer(1, 4 * mm)]


def room_assignments(session: ExamSession, room: Room) -> list[SeatAssignment]:
    return list(SeatAssignment.objects.filter(session=session, seat__room=room)
                .select_related("seat", "application__offer__trade", "application__offer__level",
                                "application__offer__occupation", "application__candidate__candidate_profile")
                .order_by("seat__number"))


def _ticket_numbers(session: ExamSession) -> dict[int, str]:
    return dict(AdmissionTicket.objects.filter(batch_id=session.batch_id, status=TicketStatus.VALID)
                .values_list("application_id", "number"))


def sign_in_sheet_pdf(session: ExamSession, room: Room) -> bytes:
    """签到册 (A.2.4): the proctors compare photo, ticket and ID card, and the candidate signs."""
    buffer = io.BytesIO()
    doc = _doc(buffer, _("考生签到册"))
    numbers = _ticket_numbers(session)
    rows = [[para(x, "cell") for x in (_("座位号"), _("照片"), _("姓名"), _("准考证号"), _("证件号码"),
                                       _("职业（工种）等级"), _("考生签字"))]]
    people = room_assignments(session, room)
    for a in people:
        app = a.application
        profile = getattr(app.candidate, "candidate_profile", None)
        source = photo_image(profile.photo, wrap=lambda fh: fh) if profile else None  # platypus wants a file
        photo = (Image(source, width=15 * mm, height=21 * mm, kind="proportional") if source
                 else para(_("无照片"), "cell"))
        rows.append([para(_seat_label(a.seat), "cell"), photo, para(app.full_name, "cell"),
                     para(numbers.get(app.pk, "—"), "cell"), para(mask_id(app.id_number), "cell"),
                     para(str(app.offer), "cell"), ""])
    table = Table(rows, colWidths=[15 * mm, 19 * mm, 20 * mm, 32 * mm, 37 * mm, 35 * mm, 24 * mm], repeatRows=1,
                  rowHeights=[None] + [24 * mm] * len(people))
    table.setStyle(TableStyle([*GRID, HEAD_BG]))
    story = [*_room_heading(session, room, _("考生签到册")), table, Spacer(1, 6 * mm),
             para(_("应到 %(n)d 人　实到 ____ 人　缺考 ____ 人") % {"n": len(people)}),
             para(_("监考人员签字：________________　________________")),
             Spacer(1, 2 * mm),
             para(_("依据 T/QDSF 015—2022 附录A.2.4：对照签到册核对准考证、身份证，对号入座并签字确认。"), "small")]
    doc.build(story)
    return buffer.getvalue()


def door_list_pdf(session: ExamSession, room: Room) -> bytes:
    """The list posted at the room door: who sits here, in seat order."""
    buffer = io.BytesIO()
    doc = _doc(buffer, _("考场门贴"))
    numbers = _ticket_numbers(session)
    people = room_assignments(session, room)
    rows = [[para(x, "body") for x in (_("座位号"), _("姓名"), _("准考证号"), _("职业（工种）等级"))]]
    rows += [[para(_seat_label(a.seat)), para(a.application.full_name), para(numbers.get(a.application_id, "—")),
              para(str(a.application.offer))] for a in people]
    table = Table(rows, colWidths=[22 * mm, 34 * mm, 48 * mm, 78 * mm], repeatRows=1)
    table.setStyle(TableStyle([*GRID, HEAD_BG]))
    story = [*_room_heading(session, room, _("%(room)s 考生名单") % {"room": room.name}), table, Spacer(1, 4 * mm),
             para(_("本考场共 %(n)d 人。") % {"n": len(people)})]
    doc.build(story)
    return buffer.getvalue()


def seat_chart_pdf(session: ExamSession, room: Room) -> bytes:
    """座位表: the room's grid as seen from the front (the lectern on top)."""
    buffer = io.BytesIO()
    doc = _doc(buffer, _("座位表"), pagesize=landscape(A4))
    numbers = _ticket_numbers(session)
    by_seat = {a.seat_id: a for a in room_assignments(session, room)}
    seats = list(room.seats.filter(is_active=True).order_by("number"))
    n_rows = max((s.row for s in seats), default=1)
    n_cols = max((s.col for s in seats), default=1)
    grid = [["" for _c in range(n_cols)] for _r in range(n_rows)]
    for s in seats:
        a = by_seat.get(s.pk)
        text = f"{_seat_label(s)}\n" + (f"{a.application.full_name}\n{numbers.get(a.application_id, '')}"
                                        if a else _("（空）"))
        grid[s.row - 1][s.col - 1] = para(text, "cell")
    width = (landscape(A4)[0] - 28 * mm) / n_cols
    table = Table(grid, colWidths=[width] * n_cols, rowHeights=[20 * mm] * n_rows)
    table.setStyle(TableStyle(GRID))
    lectern = Table([[para(_("讲台（监考席）"), "center")]], colWidths=[80 * mm])
    lectern.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.black)]))
    story = [*_room_heading(session, room, _("%(room)s 座位表") % {"room": room.name}), lectern, Spacer(1, 5 * mm),
             table]
    doc.build(story)
    return buffer.getvalue()


ROOM_DOCUMENTS = {
    "signin": (sign_in_sheet_pdf, gettext_lazy("签到册")),
    "door": (door_list_pdf, gettext_lazy("门贴名单")),
    "seats": (seat_chart_pdf, gettext_lazy("座位表")),
}


# --- Venue postings (§6.2.2.6) --------------------------------------------------------------------

EXAM_RULES = gettext_lazy(
    "1. 考生凭准考证和有效身份证件入场，对号入座，将准考证和身份证件放在桌面左上角。\n"
    "2. 除规定的文具外，不得携带任何书籍、资料、通讯工具和电子设备进入考场。\n"
    "3. 开考信号发出后方可答题；开考30分钟后不得入场，考试结束前30分钟内不得离场。\n"
    "4. 保持考场安静，不得交头接耳、左顾右盼、传递物品，不得抄袭或协助他人抄袭。\n"
    "5. 考试结束信号发出后立即停止答题，待监考人员清点无误后方可离场。\n"
    "6. 违反考场规则者，按有关规定处理，并记入诚信档案。")


def venue_postings_pdf(batch: Batch, venue) -> bytes:
    """What the venue posts the day before (§6.2.2.6): the timetable, the room map with each room's
    location and who sits where, the exam rules and the candidate notes."""
    buffer = io.BytesIO()
    doc = _doc(buffer, _("考场分布示意图和考试时间表"))
    sessions = list(batch.sessions.prefetch_related("offers__trade", "offers__level", "rooms")
                    .order_by("starts_at"))
    story = [para(_("%(venue)s 考场分布示意图和考试时间表") % {"venue": venue.name}, "title"),
             para(batch.name, "center"), para(venue.address, "center"), Spacer(1, 4 * mm),
             para(_("一、考试时间表"), "head")]
    rows = [[para(x, "cell") for x in (_("考试科目"), _("考试时间"), _("时长"), _("职业（工种）等级"), _("考场"))]]
    for s in sessions:
        rooms = [r for r in s.rooms.all() if r.venue_id == venue.pk]
        if not rooms:
            continue
        rows.append([para(s.get_kind_display(), "cell"), para(session_times(s), "cell"),
                     para(_("%(m)d分钟") % {"m": s.duration_minutes}, "cell"),
                     para("、".join(str(o) for o in s.offers.all()), "cell"),
                     para("、".join(r.name for r in rooms if not r.is_emergency), "cell")])
    table = Table(rows, colWidths=[36 * mm, 44 * mm, 16 * mm, 54 * mm, 32 * mm], repeatRows=1)
    table.setStyle(TableStyle([*GRID, HEAD_BG]))
    story += [table, para(_("二、考场分布"), "head")]
    numbers = dict(AdmissionTicket.objects.filter(batch=batch, status=TicketStatus.VALID)
                   .values_list("application_id", "number"))
    ranges: dict[int, list[str]] = defaultdict(list)
    for a in SeatAssignment.objects.filter(session__batch=batch, seat__room__venue=venue).values(
            "seat__room_id", "application_id"):
        if a["application_id"] in numbers:
            ranges[a["seat__room_id"]].append(numbers[a["application_id"]])
    rows = [[para(x, "cell") for x in (_("考场"), _("位置"), _("类型"), _("座位数"), _("准考证号范围"))]]
    for room in Room.objects.filter(venue=venue, is_active=True).order_by("name"):
        got = sorted(ranges.get(room.pk, []))
        span = (_("应急考场") if room.is_emergency else (f"{got[0]} – {got[-1]}（{len(got)}）" if got else "—"))
        rows.append([para(room.name, "cell"), para(room.location or "—", "cell"),
                     para(room.get_kind_display(), "cell"), para(str(room.capacity), "cell"), para(span, "cell")])
    table = Table(rows, colWidths=[28 * mm, 40 * mm, 34 * mm, 16 * mm, 64 * mm], repeatRows=1)
    table.setStyle(TableStyle([*GRID, HEAD_BG]))
    story += [table, para(_("三、考场规则"), "head"), para(EXAM_RULES, "cell"),
              para(_("四、考生须知"), "head"), para(batch.notes.strip() or str(DEFAULT_CANDIDATE_NOTES), "cell"),
              Spacer(1, 4 * mm), para(_("依据 T/QDSF 015—2022 §6.2.2.6 于考试前一天张贴。"), "small")]
    doc.build(story)
    return buffer.getvalue()


def room_checklist_pdf(session: ExamSession, room: Room) -> bytes:
    """The paper form of the room sign-off, for the chief examiner's signature (A.1.2)."""
    buffer = io.BytesIO()
    doc = _doc(buffer, _("考场检查验收单"))
    rows = [[para(_("检查项目"), "cell"), para(_("结果"), "cell")]]
    rows += [[para(str(label), "cell"), para("□ 合格　□ 不合格", "cell")] for label in ROOM_SIGNOFF_ITEMS.values()]
    if room.kind == RoomKind.PRACTICAL:
        from .enums import PRACTICAL_CHECKS
        rows += [[para(str(label), "cell"), para("□ 合格　□ 不合格", "cell")] for label in PRACTICAL_CHECKS.values()]
    table = Table(rows, colWidths=[130 * mm, 50 * mm])
    table.setStyle(TableStyle([*GRID, HEAD_BG]))
    doc.build([*_room_heading(session, room, _("考场检查验收单")), table, Spacer(1, 10 * mm),
               para(_("主考签字：________________　日期：____年__月__日 __:__"))])
    return buffer.getvalue()


# --- Work cards (§6.4.1.5) ------------------------------------------------------------------------

@dataclass
class Card:
    name: str
    roles: list[str]
    venue: str
    batch: str
    sessions: list[str]
    photo: ImageReader | None
    serial: str


def work_cards(batch: Batch, venue=None) -> list[Card]:
    by_person: dict[tuple[int, int], list[StaffAssignment]] = defaultdict(list)
    qs = (StaffAssignment.objects.filter(session__batch=batch)
          .select_related("user__staff_profile", "venue", "session", "room").order_by("venue__name", "user_id"))
    if venue is not None:
        qs = qs.filter(venue=venue)
    for a in qs:
        by_person[(a.venue_id, a.user_id)].append(a)
    cards = []
    for (_v, _u), items in by_person.items():
        first = items[0]
        profile = getattr(first.user, "staff_profile", None)
        roles = list(dict.fromkeys(a.get_role_display() for a in items))
        sessions = [f"{a.session.get_kind_display()} {session_times(a.session)}"
                    + (f" {a.room.name}" if a.room else "") for a in sorted(items, key=lambda a: a.session.starts_at)]
        cards.append(Card(name=first.user.full_name, roles=roles, venue=first.venue.name, batch=batch.name,
                          sessions=sessions, photo=photo_image(profile.photo) if profile else None,
                          serial=f"{batch.pk:03d}-{first.pk:05d}"))
    return cards


def work_cards_pdf(cards: list[Card]) -> bytes:
    """Eight 90 × 60 mm cards per A4 page, to cut out and wear (§6.4.1.5)."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4)
    c.setTitle(_("工作证卡"))
    font = cjk_font()
    card_w, card_h = 90 * mm, 60 * mm
    x0, y0 = (A4[0] - 2 * card_w) / 2, A4[1] - 20 * mm
    for i, card in enumerate(cards):
        slot = i % 8
        if i and slot == 0:
            c.showPage()
        x = x0 + (slot % 2) * card_w
        y = y0 - (slot // 2 + 1) * card_h
        c.setStrokeColor(colors.grey)
        c.rect(x, y, card_w, card_h)
        c.setFillColor(colors.HexColor("#0f766e"))
        c.rect(x, y + card_h - 11 * mm, card_w, 11 * mm, stroke=0, fill=1)
        c.setFillColor(colors.white)
        c.setFont(font, 12)
        c.drawCentredString(x + card_w / 2, y + card_h - 7.5 * mm, _("职业技能等级认定 工作证"))
        c.setFillColor(colors.black)
        px, py = x + 4 * mm, y + card_h - 41 * mm
        if card.photo is not None:
            c.drawImage(card.photo, px, py, 21 * mm, 28 * mm, preserveAspectRatio=True, anchor="c")
        else:
            c.setFont(font, 8)
            c.drawCentredString(px + 10.5 * mm, py + 13 * mm, _("贴照片处"))
        c.rect(px, py, 21 * mm, 28 * mm)
        tx = x + 29 * mm
        c.setFont(font, 14)
        c.drawString(tx, y + card_h - 19 * mm, card.name)
        c.setFont(font, 12)
        c.setFillColor(colors.HexColor("#b91c1c"))
        c.drawString(tx, y + card_h - 27 * mm, "、".join(card.roles))
        c.setFillColor(colors.black)
        c.setFont(font, 8)
        c.drawString(tx, y + card_h - 34 * mm, card.venue)
        c.drawString(tx, y + card_h - 39 * mm, card.batch[:24])
        sy = y + 14 * mm
        for line in card.sessions[:3]:
            c.drawString(x + 4 * mm, sy, line[:46])
            sy -= 4 * mm
        c.setFont(font, 7)
        c.setFillColor(colors.grey)
        c.drawRightString(x + card_w - 3 * mm, y + 2.5 * mm, f"No. {card.serial}")
        c.setFillColor(colors.black)
    if not cards:
        c.setFont(font, 12)
        c.drawString(20 * mm, A4[1] - 30 * mm, _("尚未安排考务人员。"))
    c.showPage()
    c.save()
    return buffer.getvalue()
