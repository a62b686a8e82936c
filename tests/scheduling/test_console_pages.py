"""The scheduling console end to end through its pages: rooms (the §6.2.2.2 limit named on the form),
a batch and its sessions, allocation, tickets issued and printed as a background job (a ZIP with one
merged PDF per room), staffing, the readiness report and the chief examiner's sign-off."""

import io
import zipfile

import pytest
from django.urls import reverse

from skillcert.accounts.enums import Role
from skillcert.core.models import Job, JobStatus
from skillcert.scheduling.enums import FACILITIES, PRACTICAL_CHECKS
from skillcert.scheduling.models import AdmissionTicket, Batch, Room, RoomSignOff, SeatAssignment, StaffAssignment
from tests.factories import pdf_text, user_with_role

from .conftest import approve_imported, at

pytestmark = pytest.mark.django_db

DT = "%Y-%m-%dT%H:%M"


def test_the_whole_scheduling_flow_through_the_console(client, reg, django_capture_on_commit_callbacks):
    approve_imported(reg, 8)
    client.force_login(reg.officer)
    venue = reg.world.venue
    # Venue facilities.
    data = {f"f_{k}": "on" for k in FACILITIES} | {"s_medical": 1, "s_security": 2, "s_logistics": 1,
                                                     "s_roving_proctor": 2, "notes": ""}
    assert client.post(reverse("console:venue_detail", args=[venue.pk]), data).status_code == 302
    # A 31-seat theory room is refused on the form with the clause; nothing is written.
    room = {"name": "第1考场", "kind": "computer", "location": "2号楼201", "capacity": 31, "columns": 6,
            "single_desks": "on", "spacing_cm": 90, "is_active": "on", "workstations": ""}
    page = client.post(reverse("console:room_create", args=[venue.pk]), room)
    assert page.status_code == 200 and "每个理论考场考生不超过30名" in page.content.decode()
    assert not Room.objects.exists()
    assert client.post(reverse("console:room_create", args=[venue.pk]), room | {"capacity": 30}).status_code == 302
    assert client.post(reverse("console:room_create", args=[venue.pk]),
                       room | {"name": "应急考场", "capacity": 10, "is_emergency": "on"}).status_code == 302
    prac = {"name": "实操室", "kind": "practical", "location": "实训楼", "capacity": 8, "columns": 4,
            "single_desks": "on", "spacing_cm": 100, "is_active": "on", "checks": list(PRACTICAL_CHECKS),
            "safety_officer": "安全员", "workstations": "A1,A2,A3,A4\nA5，A6,A7,A8"}
    assert client.post(reverse("console:room_create", args=[venue.pk]), prac).status_code == 302
    assert list(Room.objects.get(name="实操室").seats.values_list("workstation", flat=True))[-1] == "A8"
    # A batch with two sessions.
    page = client.post(reverse("console:batch_list"), {"announcement": reg.announcement.pk, "name": "十二月批次",
                                                       "workstations_per_examiner": 10, "notes": ""})
    batch = Batch.objects.get()
    assert page.status_code == 302 and page.url == reverse("console:batch_detail", args=[batch.pk])
    rooms = {r.name: r.pk for r in Room.objects.all()}
    offers = [o.pk for o in reg.offers.values()]
    for kind, start, end, names in (("theory_computer", at(9, 9), at(9, 11), ["第1考场", "应急考场"]),
                                    ("practical", at(9, 14), at(9, 17), ["实操室"])):
        page = client.post(reverse("console:batch_detail", args=[batch.pk]), {
            "kind": kind, "starts_at": start.strftime(DT), "ends_at": end.strftime(DT), "duration_minutes": 90,
            "offers": offers, "rooms": [rooms[n] for n in names]})
        assert page.status_code == 302, page.content.decode()[:2000]
    client.post(reverse("console:batch_transition", args=[batch.pk]), {"target": "scheduled"})
    for session in batch.sessions.all():
        assert client.post(reverse("console:session_allocate", args=[session.pk]), {"seed": 3}).status_code == 302
    assert SeatAssignment.objects.count() == 16
    assert not SeatAssignment.objects.filter(seat__room__is_emergency=True).exists()
    client.post(reverse("console:batch_issue_tickets", args=[batch.pk]))
    assert AdmissionTicket.objects.filter(status="valid").count() == 8
    # Print every ticket as a job; with no broker it runs on commit, the page shows 100 % and the ZIP.
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("console:batch_print_tickets", args=[batch.pk]))
    job = Job.objects.get()
    assert page.url == reverse("console:job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.total == 8 and job.percent == 100
    status = client.get(reverse("console:job_status", args=[job.pk])).json()
    assert status["finished"] and status["done"] == 8
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(reverse("console:job_download", args=[job.pk])))))
    assert [n for n in archive.namelist()] == ["测试考点一-第1考场.pdf"]
    assert pdf_text(archive.read(archive.namelist()[0])).count("职业技能等级认定准考证") == 8
    # Staffing through the form; the refusal is shown on the form.
    theory = batch.sessions.get(kind="theory_computer")
    proctor = user_with_role(Role.PROCTOR, venue, full_name="监考甲")
    page = client.post(reverse("console:session_detail", args=[theory.pk]),
                       {"user": proctor.pk, "role": "proctor", "venue": venue.pk})
    assert "须安排到具体考场" in page.content.decode()
    page = client.post(reverse("console:session_detail", args=[theory.pk]),
                       {"user": proctor.pk, "role": "proctor", "venue": venue.pk, "room": rooms["第1考场"]})
    assert page.status_code == 302 and StaffAssignment.objects.count() == 1
    chief = user_with_role(Role.CHIEF_EXAMINER, venue, full_name="主考甲")
    client.post(reverse("console:session_detail", args=[theory.pk]), {"user": chief.pk, "role": "chief",
                                                                      "venue": venue.pk})
    readiness = client.get(reverse("console:batch_readiness", args=[batch.pk])).content.decode()
    assert "监考人员1名，每个理论考场至少2名" in readiness and "未设考评组长" in readiness
    for kind in ("signin", "door", "seats", "checklist"):
        pdf = client.get(reverse("console:room_document", args=[theory.pk, rooms["第1考场"], kind]))
        assert pdf["Content-Type"] == "application/pdf", kind
    # The chief signs the room off from their own page.
    client.force_login(chief)
    assert "验收签字" in client.get(reverse("console:my_sittings")).content.decode()
    url = reverse("console:room_sign_off", args=[theory.pk, rooms["第1考场"]])
    page = client.post(url, {"inspected_sealed": "on"})
    assert "以下项目未确认" in page.content.decode()
    page = client.post(url, {"inspected_sealed": "on", "postings_up": "on", "equipment_checked": "on"})
    assert page.status_code == 302 and RoomSignOff.objects.count() == 1


def test_a_candidate_downloads_their_own_ticket_only(client, reg):
    from .conftest import sitting

    sitting(reg)
    mine, other = AdmissionTicket.objects.select_related("application__candidate")[:2]
    client.force_login(mine.application.candidate)
    home = client.get(reverse("portal:home")).content.decode()
    assert "我的准考证" in home and mine.number in home and other.number not in home
    pdf = client.get(reverse("portal:ticket_pdf", args=[mine.pk]))
    assert pdf.status_code == 200 and mine.number in pdf_text(pdf.content)
    assert client.get(reverse("portal:ticket_pdf", args=[other.pk])).status_code == 404
