"""A body admin manages the accounts of his body's people — not an account that holds a role outside his
scope (§10.9 越权; §6.6.1, §11: the supervised never act as their supervisor).

``can_manage_user`` went by the account's 所属机构 alone. A user filed under the body but holding a role
elsewhere — the platform admin, a quality supervisor of the authority, the admin of another body — could
have his password reset by the body admin (with no e-mail on file the one-time link is shown to the body
admin), his authenticator removed, his password set or his e-mail changed: the body admin signs in as him
and, as the authority's quality supervisor, reviews his own body's certificate batch. Review finding on
issue #20. Likewise the account of his own body's internal quality supervisor, whose role is declared
incompatible with his (accounts.duties.INCOMPATIBLE_ROLES, §6.4.2.2): the platform admin manages it.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from skillcert.accounts import rules, services
from skillcert.accounts.enums import Role
from skillcert.accounts.models import User
from skillcert.core.models import AuditEntry
from tests.factories import PASSWORD, UserFactory, supervising_authority, user_with_role

pytestmark = pytest.mark.django_db


def _filed_under_body(world, role, org=None):
    """A person filed under the body (所属机构) whom the platform admin granted ``role`` at ``org``."""
    person = UserFactory(organisation=world.body, email="")
    services.role_assign(actor=world.platform_admin, user_id=person.pk, role=role, organisation=org)
    return person


def _outside_roles(world):
    return {
        "quality_supervisor": lambda: _filed_under_body(world, Role.QUALITY_SUPERVISOR, supervising_authority(world)),
        "other_body_admin": lambda: _filed_under_body(world, Role.BODY_ADMIN, world.other_body),
        "platform_admin": lambda: _filed_under_body(world, Role.PLATFORM_ADMIN),
        # his own body's internal supervisor, who supervises him (a pair declared incompatible with his role)
        "internal_supervisor": lambda: user_with_role(Role.INTERNAL_SUPERVISOR, world.body, email=""),
    }


ACTS = {
    "password_reset": lambda a, t: services.user_password_reset(actor=a, user_id=t.pk, reason="本人来电"),
    "set_password": lambda a, t: services.user_set_password(actor=a, user_id=t.pk, password="Another-Pass-2026"),
    "reset_totp": lambda a, t: services.user_reset_totp(actor=a, user_id=t.pk),
    "update_email": lambda a, t: services.user_update(actor=a, user_id=t.pk, email="badmin@example.com"),
    "deactivate": lambda a, t: services.user_update(actor=a, user_id=t.pk, is_active=False),
}


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize("held", ["quality_supervisor", "other_body_admin", "platform_admin", "internal_supervisor"])
def test_body_admin_cannot_take_over_an_account_holding_a_role_outside_his_scope(world, held, act):
    badmin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin")
    target = _outside_roles(world)[held]()
    before_password, before_email = target.password, target.email
    audited = AuditEntry.objects.count()
    assert not rules.can_manage_account(badmin, target)
    with pytest.raises(PermissionDenied):
        ACTS[act](badmin, target)
    target.refresh_from_db()
    assert (target.password, target.email, target.is_active) == (before_password, before_email, True)
    assert AuditEntry.objects.count() == audited


@pytest.mark.parametrize("held", ["quality_supervisor", "other_body_admin", "internal_supervisor"])
def test_the_platform_admin_still_manages_them(world, held):
    target = _outside_roles(world)[held]()
    issued = services.user_password_reset(actor=world.platform_admin, user_id=target.pk, reason="本人来电")
    assert issued.link


def test_body_admin_still_manages_his_own_people_and_candidates_roles_do_not_count(world):
    badmin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin")
    proctor = user_with_role(Role.PROCTOR, world.venue, email="")
    services.role_assign(actor=world.platform_admin, user_id=proctor.pk, role=Role.CANDIDATE)
    assert services.user_password_reset(actor=badmin, user_id=proctor.pk, reason="本人来电").link
    services.user_update(actor=badmin, user_id=proctor.pk, email="proctor@example.com")
    # granting and revoking roles at his own body stays as it was, even for a holder of a role elsewhere
    qs = _filed_under_body(world, Role.QUALITY_SUPERVISOR, supervising_authority(world))
    assignment = services.role_assign(actor=badmin, user_id=qs.pk, role=Role.ARCHIVE_KEEPER,
                                      organisation=world.body)
    services.role_revoke(actor=badmin, assignment_id=assignment.pk, reason="调岗")


def test_console_reset_page_refuses_the_body_admin(world, client):
    badmin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin")
    target = _outside_roles(world)["quality_supervisor"]()
    client.force_login(badmin)
    response = client.post(reverse("console:user_reset_password", args=[target.pk]), {"reason": "本人来电"})
    assert response.status_code in (403, 404)
    target.refresh_from_db()
    assert target.has_usable_password() and target.check_password(PASSWORD)
    assert User.objects.get(pk=target.pk).password == target.password
