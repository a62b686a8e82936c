"""§6.2.2.4 (issue #20 item 13): the venue's medical, security, logistics and roving-proctor staff are part of
the readiness report, and a missing kind keeps the session from starting like the other readiness rules."""

import pytest
from django.core.exceptions import ValidationError

from skillcert.scheduling import services, staffing
from skillcert.scheduling.enums import FACILITIES, SUPPORT_STAFF, BatchStatus

from .conftest import sitting

pytestmark = pytest.mark.django_db


def test_missing_support_staff_is_a_readiness_violation_that_blocks_the_start(reg):
    s = sitting(reg, 2)
    assert not any("§6.2.2.4" in p.message for p in staffing.readiness(s.batch))
    services.venue_profile_save(actor=reg.officer, venue=s.venue, facilities=dict.fromkeys(FACILITIES, True),
                                support_staff=dict.fromkeys(SUPPORT_STAFF, 1) | {"medical": 0, "security": 0})
    found = [p for p in staffing.session_may_start(s.theory) if "§6.2.2.4" in p.message]
    assert len(found) == 1 and "医疗" in found[0].message and "保卫" in found[0].message
    assert "后勤" not in found[0].message and s.venue.name in found[0].where
    with pytest.raises(ValidationError, match=r"§6\.2\.2\.4"):
        services.batch_transition(actor=reg.officer, batch_id=s.batch.pk, target=BatchStatus.IN_PROGRESS)
