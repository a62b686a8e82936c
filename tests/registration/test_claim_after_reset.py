"""An account an administrator reset is not up for grabs (§10.9; issue #20 item 6b review finding).

``accounts.services.user_password_reset`` makes the password unusable until the user follows the single-use
link. Self sign-up used to treat *any* account without a usable password as an employer-imported one that the
candidate may claim with name, ID number and phone — so during that window whoever knew those three (the
employer, a colleague) could sign up over a used account, set its password and e-mail, and bypass the link.
Only an account nobody has ever signed in to is claimable.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from skillcert.accounts import services
from skillcert.core.models import AuditEntry
from skillcert.registration import candidates
from tests.factories import PASSWORD, make_candidate, resident_id

pytestmark = pytest.mark.django_db


def test_a_used_account_reset_by_the_administrator_cannot_be_claimed_by_sign_up(world):
    victim = make_candidate(71, email="victim@example.com")
    Client().force_login(victim)  # he has used his account
    services.user_password_reset(actor=world.platform_admin, user_id=victim.pk, reason="本人来电，已核实身份")
    victim.refresh_from_db()
    assert not victim.has_usable_password()
    audited = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        candidates.candidate_signup(full_name="考生71", id_type="resident_id", id_number=resident_id(71),
                                    phone="13900000071", password="Stolen-Pass-2026", email="thief@example.com")
    assert exc.value.messages == [str(candidates.SIGNUP_REFUSED)]  # the same neutral answer
    victim.refresh_from_db()
    assert victim.email == "victim@example.com" and not victim.has_usable_password()
    assert not victim.check_password("Stolen-Pass-2026") and not victim.check_password(PASSWORD)
    assert AuditEntry.objects.count() == audited
