"""Printed documents (§6.2.1, A.2.4, §6.2.2.6, §6.4.1.5): the text a reader extracts from each PDF,
and the embedded CJK font."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from skillcert.accounts.enums import Role
from skillcert.registration.candidates import photo_set
from skillcert.scheduling import documents, staffing
from skillcert.scheduling.enums import StaffRole
from skillcert.scheduling.models import AdmissionTicket, SeatAssignment
from skillcert.scheduling.tickets import verify_ticket
from tests.factories import pdf_embeds_font, pdf_text, png_bytes, user_with_role

from .conftest import sitting

pytestmark = pytest.mark.django_db


def test_an_admission_ticket_names_the_candidate_number_room_seat_and_times(reg):
    s = sitting(reg)
    ticket = AdmissionTicket.objects.select_related("application__candidate").first()
    photo_set(actor=ticket.application.candidate, upload=SimpleUploadedFile("me.png", png_bytes(300, 420)))
    pdf = documents.ticket_pdf(ticket)
    assert pdf_embeds_font(pdf)
    text = pdf_text(pdf).replace("\n", "")
    theory_seat = SeatAssignment.objects.get(session=s.theory, application=ticket.application).seat
    prac_seat = SeatAssignment.objects.get(session=s.practical, application=ticket.application).seat
    for expected in (ticket.application.full_name, ticket.number, "第1考场", f"{theory_seat.number:02d}", "实操室",
                     prac_seat.workstation, "理论知识考试（机考）", "实际操作考核", "考生须知",
                     ticket.application.id_number, reg.world.venue.address):
        assert expected in text, expected
    assert b"/Subtype /Image" in pdf, "the photo is printed"


def test_the_ticket_token_verifies_and_names_the_ticket(reg):
    sitting(reg)
    data = documents.ticket_data(AdmissionTicket.objects.first().batch)
    assert len(data) == 6
    claim = verify_ticket(data[0].token)
    assert claim.number == data[0].number and claim.id_tail == data[0].id_number[-4:]


def test_tickets_merge_per_room(reg):
    s = sitting(reg)
    groups = documents.tickets_by_room(s.batch)
    assert list(groups) == [(s.venue.name, "第1考场")]
    pdf = documents.tickets_pdf(groups[(s.venue.name, "第1考场")])
    assert pdf_text(pdf).count("职业技能等级认定准考证") == 6


def test_room_documents_list_everyone_in_seat_order(reg):
    s = sitting(reg)
    people = list(SeatAssignment.objects.filter(session=s.theory, seat__room=s.computer)
                  .select_related("application__candidate", "seat").order_by("seat__number"))
    numbers = dict(AdmissionTicket.objects.values_list("application_id", "number"))
    photo_set(actor=people[0].application.candidate, upload=SimpleUploadedFile("me.png", png_bytes(300, 420)))
    for kind, (render, _label) in documents.ROOM_DOCUMENTS.items():
        pdf = render(s.theory, s.computer)
        assert pdf_embeds_font(pdf), kind
        text = pdf_text(pdf)
        for a in people:
            assert a.application.full_name in text, (kind, a.application.full_name)
            assert numbers[a.application_id] in text.replace("\n", ""), kind
    sheet = pdf_text(documents.sign_in_sheet_pdf(s.theory, s.computer)).replace("\n", "")
    assert "考生签字" in sheet and "应到 6 人" in sheet
    assert documents.mask_id(people[0].application.id_number) in sheet
    assert people[0].application.id_number not in sheet, "the sign-in sheet masks ID numbers"
    assert b"/Subtype /Image" in documents.sign_in_sheet_pdf(s.theory, s.computer), "with the photo"
    assert "讲台" in pdf_text(documents.seat_chart_pdf(s.theory, s.computer))


def test_venue_postings_have_the_timetable_and_the_room_map(reg):
    s = sitting(reg)
    text = pdf_text(documents.venue_postings_pdf(s.batch, s.venue)).replace("\n", "")
    for expected in ("考试时间表", "理论知识考试（机考）", "实际操作考核", "考场分布", "1号楼301", "应急考场",
                     "考场规则", "考生须知", "90分钟"):
        assert expected in text, expected
    first = AdmissionTicket.objects.order_by("number").first().number
    assert first in text


def test_work_cards_show_name_role_venue_and_sessions(reg):
    s = sitting(reg)
    chief = user_with_role(Role.CHIEF_EXAMINER, s.venue, full_name="王主考")
    proctor = user_with_role(Role.PROCTOR, s.venue, full_name="李监考")
    staffing.staff_assign(actor=reg.officer, session_id=s.theory.pk, user=chief, role=StaffRole.CHIEF, venue=s.venue)
    staffing.staff_assign(actor=reg.officer, session_id=s.practical.pk, user=chief, role=StaffRole.CHIEF,
                          venue=s.venue)
    staffing.staff_assign(actor=reg.officer, session_id=s.theory.pk, user=proctor, role=StaffRole.PROCTOR,
                          venue=s.venue, room=s.computer)
    staffing.staff_profile_save(actor=reg.officer, user=proctor, employer="考点",
                                photo=SimpleUploadedFile("p.png", png_bytes(300, 420)))
    cards = documents.work_cards(s.batch)
    assert len(cards) == 2, "one card per person and venue, listing every session"
    pdf = documents.work_cards_pdf(cards)
    assert pdf_embeds_font(pdf)
    text = pdf_text(pdf)
    for expected in ("王主考", "主考", "李监考", "监考人员", s.venue.name, "第1考场", "工作证"):
        assert expected in text, expected
    assert b"/Subtype /Image" in pdf


def test_a_jpeg_photo_is_embedded_as_it_is(reg):
    sitting(reg, n=2)
    ticket = AdmissionTicket.objects.select_related("application__candidate").first()
    photo_set(actor=ticket.application.candidate, upload=SimpleUploadedFile("me.jpg", png_bytes(300, 420, "JPEG")))
    pdf = documents.ticket_pdf(ticket)
    assert b"/DCTDecode" in pdf, "the JPEG goes into the PDF undecoded"


def test_ticket_times_never_break_inside_a_time_and_the_venue_address_is_printed_once(reg, tmp_path):
    """Issue #20 item 18: "09:00–10:3 / 0" and two addresses on one ticket."""
    import re

    s = sitting(reg)
    reg.world.venue.address = "青岛市黄岛区嘉陵江东路2号"
    reg.world.venue.save(update_fields=["address"])
    ticket = AdmissionTicket.objects.first()
    lines = pdf_text(documents.ticket_pdf(ticket)).splitlines()
    times = [ln for ln in lines if re.search(r"\d{2}:\d", ln)]
    assert times and all(re.fullmatch(r".*\b\d{2}:\d{2}–\d{2}:\d{2}\b.*", ln) for ln in times), times
    assert any(documents.ticket_times(s.theory).split("\n")[1] in ln for ln in lines)
    text = "".join(lines)
    assert text.count(reg.world.venue.address) == 1


def test_the_demo_notes_name_no_address_of_their_own():
    from skillcert.scheduling.demo import NOTES

    assert "地址见上表" in NOTES and "路" not in NOTES.split("5.")[1]


def test_the_proctor_roster_shows_each_candidates_photo_to_those_who_see_the_room(reg, client):
    from skillcert.delivery import services as delivery

    s = sitting(reg, 2)
    chief = user_with_role(Role.CHIEF_EXAMINER, reg.world.venue, username="chief", full_name="王主考")
    staffing.staff_assign(actor=reg.officer, session_id=s.theory.pk, user=chief, role=StaffRole.CHIEF,
                          venue=reg.world.venue)
    sit = next(x for x in delivery.sittings_ensure(actor=reg.officer, session=s.theory) if x.room_id == s.computer.pk)
    with_photo, without = list(sit.attempts.select_related("application__candidate").order_by("pk"))
    photo_set(actor=with_photo.application.candidate, upload=SimpleUploadedFile("me.png", png_bytes(300, 420)))
    client.force_login(chief)
    page = client.get(f"/console/exam-day/rooms/{sit.pk}/").content.decode()
    assert f"/console/exam-day/rooms/{sit.pk}/photos/{with_photo.pk}/" in page and "无照片" in page
    photo = client.get(f"/console/exam-day/rooms/{sit.pk}/photos/{with_photo.pk}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert client.get(f"/console/exam-day/rooms/{sit.pk}/photos/{without.pk}/").status_code == 404
    pdf = client.get(f"/console/exam-day/rooms/{sit.pk}/roster.pdf")
    assert pdf.status_code == 200 and b"/Subtype /Image" in pdf.content
    # Someone who does not see the room gets nothing: neither the photo nor the printed roster.
    stranger = user_with_role(Role.PROCTOR, reg.world.venue2, username="p9", full_name="别处监考")
    client.force_login(stranger)
    assert client.get(f"/console/exam-day/rooms/{sit.pk}/photos/{with_photo.pk}/").status_code in (403, 404)
    assert client.get(f"/console/exam-day/rooms/{sit.pk}/roster.pdf").status_code in (403, 404)
