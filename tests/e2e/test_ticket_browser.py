"""A candidate signs in to the portal, finds the admission ticket with each session's room and seat,
and downloads the PDF (issue #4, §6.2.1)."""

import pytest

from skillcert.scheduling.models import AdmissionTicket, SeatAssignment
from tests.factories import build_registration, pdf_embeds_font, pdf_text
from tests.scheduling.conftest import sitting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "Carbon-Manager-2026!"


def test_candidate_downloads_the_admission_ticket(live_server, page, artifacts, world, tmp_path):
    reg = build_registration(world)
    sitting(reg, n=4)
    ticket = AdmissionTicket.objects.select_related("application__candidate").order_by("number").first()
    candidate = ticket.application.candidate
    candidate.set_password(PASSWORD)
    candidate.save(update_fields=["password"])
    seat = SeatAssignment.objects.filter(application=ticket.application).select_related("seat__room").first().seat

    page.goto(f"{live_server.url}/portal/login/")
    page.fill("#id_username", candidate.id_number)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/portal/")
    box = page.locator("#tickets")
    assert ticket.number in box.inner_text() and seat.room.name in box.inner_text()
    page.screenshot(path=str(artifacts / "portal-ticket.png"), full_page=True)
    with page.expect_download() as info:
        page.click("text=下载准考证（PDF）")
    path = tmp_path / "ticket.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and pdf_embeds_font(data)
    text = pdf_text(data).replace("\n", "")
    assert ticket.number in text and ticket.application.full_name in text and seat.room.name in text
