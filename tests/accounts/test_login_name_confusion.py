"""A staff user name never shadows a candidate's ID number or phone (review of issue #20 item 6).

Candidates sign in (and ask for a password reset) with their ID number or phone; the lookup tries the user
name first (accounts.selectors.user_find_for_login). A body admin who created a staff account named after a
candidate's ID number or phone would capture that candidate's log-in and reset requests: the candidate's
password no longer works and a reset mail for "his" number goes to the staff account's address.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from skillcert.accounts import services
from skillcert.accounts.enums import Role
from skillcert.accounts.models import User
from skillcert.accounts.selectors import user_find_for_login
from tests.factories import PASSWORD, make_candidate, resident_id, user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", [resident_id(81), resident_id(81).lower(), "13900000081", "13800138000"])
def test_a_staff_account_cannot_take_a_candidates_id_number_or_phone_as_user_name(world, name):
    candidate = make_candidate(81)
    badmin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin")
    users = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=badmin, username=name, full_name="影子", password="Shadow-Pass-2026",
                             organisation=world.body, email="shadow@example.com")
    assert "username" in exc.value.message_dict
    assert User.objects.count() == users
    assert user_find_for_login(resident_id(81)) == candidate and user_find_for_login("13900000081") == candidate


def test_an_ordinary_user_name_is_still_accepted(world):
    badmin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin")
    user = services.user_create(actor=badmin, username="zhang_proctor2026", full_name="张监考", password=PASSWORD,
                                organisation=world.body)
    assert user_find_for_login("zhang_proctor2026") == user
