"""Issue #20 item 8: the demo's three batches of one announcement never give a candidate two live seats for one
part, and every valid ticket belongs to a batch where its holder has a live seat."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from skillcert.scheduling.models import AdmissionTicket, SeatAssignment, TicketStatus

# The demo runs in one CI stage only (SQLite; .ci/run deselects -m demo on PostgreSQL), issue #21 item 9.
pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def test_no_demo_candidate_holds_two_live_seats_or_stray_tickets_for_one_part():
    call_command("seed_demo", "--quiet", "--stage", "graded")
    doubled = (SeatAssignment.objects.values("application_id", "part").annotate(n=Count("id")).filter(n__gt=1))
    assert not doubled.exists()
    live = set(SeatAssignment.objects.values_list("session__batch_id", "application_id"))
    valid = set(AdmissionTicket.objects.filter(status=TicketStatus.VALID).values_list("batch_id", "application_id"))
    assert valid == live
    # The moves that split the batches are on record: voided seats with their reason, voided tickets.
    assert SeatAssignment.history.filter(voided_at__isnull=False).exclude(void_reason="").exists()
    assert AdmissionTicket.objects.filter(status=TicketStatus.VOID, void_reason__startswith="调座").exists()
