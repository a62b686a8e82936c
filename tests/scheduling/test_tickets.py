"""Admission tickets (§6.2.1): number scheme with a check digit, issue rules, signed QR token."""

import pytest
from django.core.exceptions import ValidationError

from skillcert.core.models import Notification
from skillcert.scheduling import services
from skillcert.scheduling.enums import BatchStatus
from skillcert.scheduling.models import AdmissionTicket, TicketStatus
from skillcert.scheduling.tickets import (
    TicketClaim,
    is_valid_ticket_number,
    sign_ticket,
    ticket_number,
    verify_ticket,
)

from .conftest import approve_imported, at, theory_room

pytestmark = pytest.mark.django_db


def test_ticket_numbers_carry_year_body_batch_sequence_and_a_check_digit():
    number = ticket_number(year=2026, institution_code="2087", batch_seq=3, candidate_seq=42)
    assert number[:14] == "26208700300042" and len(number) == 15 and is_valid_ticket_number(number)
    assert ticket_number(year=2026, institution_code="2087", batch_seq=3, candidate_seq=99_999)[9:14] == "99999"
    with pytest.raises(ValueError):
        ticket_number(year=2026, institution_code="2087", batch_seq=3, candidate_seq=100_000)
    for i in range(14):  # any single mistyped digit is caught
        for d in "0123456789":
            typo = number[:i] + d + number[i + 1:]
            if typo != number:
                assert not is_valid_ticket_number(typo)


def test_token_round_trip_and_tampering_is_refused():
    claim = TicketClaim(ticket_number(year=2026, institution_code="2087", batch_seq=1, candidate_seq=9), 5, 77, "1234")
    token = sign_ticket(claim)
    assert verify_ticket(token) == claim
    version, _payload, signature = token.split(".")
    forged_payload = sign_ticket(TicketClaim(claim.number, 5, 78, "1234")).split(".")[1]
    assert verify_ticket(f"{version}.{forged_payload}.{signature}") is None
    assert verify_ticket(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert verify_ticket("garbage") is None
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    stranger = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert verify_ticket(token, public_key=stranger) is None


def scheduled(reg, n=6, capacity=30):
    approve_imported(reg, n)
    batch = services.batch_create(actor=reg.officer, announcement=reg.announcement, name="第一批")
    session = services.session_add(actor=reg.officer, batch_id=batch.pk, kind="theory_computer",
                                   starts_at=at(10, 9), ends_at=at(10, 11), duration_minutes=90,
                                   offers=list(reg.offers.values()), rooms=[theory_room(reg, capacity=capacity)])
    return batch, session


def test_tickets_need_every_candidate_seated_and_a_scheduled_batch(reg):
    batch, session = scheduled(reg)
    with pytest.raises(ValidationError, match="编排完成"):
        services.issue_tickets(actor=reg.officer, batch_id=batch.pk)
    services.batch_transition(actor=reg.officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    with pytest.raises(ValidationError, match="未安排座位"):
        services.issue_tickets(actor=reg.officer, batch_id=batch.pk)
    services.allocate(actor=reg.officer, session_id=session.pk)
    assert services.issue_tickets(actor=reg.officer, batch_id=batch.pk) == 6
    batch.refresh_from_db()
    assert batch.status == BatchStatus.TICKETS_ISSUED
    numbers = list(AdmissionTicket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 6 and all(is_valid_ticket_number(n) for n in numbers)
    assert Notification.objects.filter(subject="准考证已发放").count() == 6
    assert services.issue_tickets(actor=reg.officer, batch_id=batch.pk) == 0, "issuing again adds nothing"


def test_a_forced_reallocation_voids_tickets_and_reissue_never_reuses_a_number(reg):
    batch, session = scheduled(reg, n=3)
    services.batch_transition(actor=reg.officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    services.allocate(actor=reg.officer, session_id=session.pk, seed=1)
    services.issue_tickets(actor=reg.officer, batch_id=batch.pk)
    old = set(AdmissionTicket.objects.values_list("number", flat=True))
    services.allocate(actor=reg.officer, session_id=session.pk, seed=2, force=True)
    assert AdmissionTicket.objects.filter(status=TicketStatus.VOID).count() == 3
    services.issue_tickets(actor=reg.officer, batch_id=batch.pk)
    fresh = set(AdmissionTicket.objects.filter(status=TicketStatus.VALID).values_list("number", flat=True))
    assert len(fresh) == 3 and not (fresh & old)
