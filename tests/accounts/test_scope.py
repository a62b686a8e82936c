"""Scoped roles and default deny (§10.9; issue #2 §2): selectors answer 404 outside the user's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from skillcert.accounts import rules, selectors, services
from skillcert.accounts.enums import OrgKind, Role
from skillcert.accounts.models import FiledScope, Organisation, RoleAssignment
from skillcert.core.models import AuditEntry
from tests.factories import PASSWORD, UserFactory, grant, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def badmin(world):
    return user_with_role(Role.BODY_ADMIN, world.body, username="badmin")


def test_body_scope_covers_its_venues_but_not_another_body(world, badmin):
    assert rules.has_role(badmin, Role.BODY_ADMIN, org=world.venue)
    assert rules.has_role(badmin, Role.BODY_ADMIN, org=world.body)
    assert not rules.has_role(badmin, Role.BODY_ADMIN, org=world.other_body)
    assert not rules.has_role(badmin, Role.BODY_ADMIN, org=world.other_venue)


def test_venue_scope_does_not_cover_the_sibling_venue_or_the_body(world):
    proctor = user_with_role(Role.PROCTOR, world.venue)
    assert rules.has_role(proctor, Role.PROCTOR, org=world.venue)
    assert not rules.has_role(proctor, Role.PROCTOR, org=world.venue2)
    assert not rules.has_role(proctor, Role.PROCTOR, org=world.body)


def test_expired_future_and_revoked_assignments_grant_nothing(world):
    now = timezone.now()
    user = UserFactory(organisation=world.body)
    RoleAssignment.objects.create(user=user, role=Role.EXAM_AFFAIRS, organisation=world.body,
                                  valid_from=now - dt.timedelta(days=10), valid_until=now - dt.timedelta(days=1))
    RoleAssignment.objects.create(user=user, role=Role.ARCHIVE_KEEPER, organisation=world.body,
                                  valid_from=now + dt.timedelta(days=1))
    RoleAssignment.objects.create(user=user, role=Role.BANK_MANAGER, organisation=world.body, revoked_at=now)
    assert rules.roles_of(user) == set()
    assert not rules.is_staff_member(user)


def test_inactive_user_has_no_roles(world, badmin):
    badmin.is_active = False
    assert rules.roles_of(badmin) == set()


def test_body_admin_sees_only_their_own_organisations_and_users(world, badmin):
    mine = user_with_role(Role.PROCTOR, world.venue)
    theirs = user_with_role(Role.PROCTOR, world.other_venue)
    assert set(selectors.organisation_list_for_user(badmin)) == {world.body, world.venue, world.venue2}
    assert selectors.user_get_for_user(badmin, mine.pk) == mine
    with pytest.raises(Http404):
        selectors.user_get_for_user(badmin, theirs.pk)
    with pytest.raises(Http404):
        selectors.organisation_get_for_user(badmin, world.other_venue.pk)


def test_other_bodys_pages_answer_404_not_403(client, world, badmin):
    theirs = user_with_role(Role.PROCTOR, world.other_venue)
    client.force_login(badmin)
    assert client.get(reverse("console:organisation_detail", args=[world.other_venue.pk])).status_code == 404
    assert client.get(reverse("console:user_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("console:user_detail", args=[999999])).status_code == 404
    assert client.post(reverse("console:role_revoke", args=[theirs.role_assignments.get().pk]),
                       {"reason": "x"}).status_code == 404


def test_body_admin_creates_a_venue_under_their_body(world, badmin):
    venue = services.organisation_create(actor=badmin, kind=OrgKind.VENUE, name="新考点", parent=world.body,
                                         region_code="370211")
    assert venue.parent == world.body
    entry = AuditEntry.objects.get(action="accounts.organisation.created", target_id=str(venue.pk))
    assert entry.data["new"]["name"] == "新考点"
    assert entry.org_id == venue.pk


@pytest.mark.parametrize("kind, parent_attr", [(OrgKind.BODY, None), (OrgKind.VENUE, "other_body")])
def test_body_admin_cannot_create_bodies_or_venues_elsewhere(world, badmin, kind, parent_attr):
    parent = getattr(world, parent_attr) if parent_attr else None
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=badmin, kind=kind, name="越权", parent=parent, region_code="370200",
                                     cert_type_letter="S", institution_code="9999", province_code="37",
                                     institution_serial="999999")
    assert not Organisation.objects.filter(name="越权").exists()


def test_venue_must_sit_under_a_body(world):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(actor=world.platform_admin, kind=OrgKind.VENUE, name="孤立考点", parent=None,
                                     region_code="370200")
    assert "考点必须隶属于一个评价机构" in exc.value.message_dict["parent"][0]


def test_body_needs_its_certificate_codes(world):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(actor=world.platform_admin, kind=OrgKind.BODY, name="无代码机构",
                                     region_code="370200")
    assert set(exc.value.message_dict) >= {"cert_type_letter", "institution_code", "institution_serial"}


def test_organisation_update_records_old_and_new_values(world):
    services.organisation_update(actor=world.platform_admin, organisation_id=world.venue.pk, address="新地址 8 号")
    entry = AuditEntry.objects.get(action="accounts.organisation.updated")
    assert entry.data["changes"] == {"address": {"old": "", "new": "新地址 8 号"}}


def test_filed_scope_is_replaced_and_audited(world):
    occ = world.occupation
    levels = list(occ.levels.all())
    trade = occ.trades.first()
    services.filed_scope_set(actor=world.platform_admin, organisation_id=world.body.pk,
                             rows=[(occ, None, levels[0]), (occ, trade, levels[1])])
    assert FiledScope.objects.filter(organisation=world.body).count() == 2
    entry = AuditEntry.objects.get(action="accounts.organisation.scope_filed")
    assert entry.data["old"] == [] and len(entry.data["new"]) == 2


def test_filed_scope_refuses_a_level_the_occupation_does_not_have(world):
    from skillcert.catalog.models import Level

    junior = Level.objects.get(number=5)  # 初级工: not in 表1 for 碳排放管理员
    with pytest.raises(ValidationError, match="不设"):
        services.filed_scope_set(actor=world.platform_admin, organisation_id=world.body.pk,
                                 rows=[(world.occupation, None, junior)])
    assert not FiledScope.objects.exists()


def test_filed_scope_only_by_platform_admin(world, badmin):
    with pytest.raises(PermissionDenied):
        services.filed_scope_set(actor=badmin, organisation_id=world.body.pk, rows=[])


def test_body_admin_cannot_grant_platform_admin(world, badmin):
    target = UserFactory(organisation=world.venue)
    with pytest.raises(PermissionDenied):
        services.role_assign(actor=badmin, user_id=target.pk, role=Role.PLATFORM_ADMIN)
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_body_admin_cannot_grant_roles_in_another_body(world, badmin):
    target = UserFactory(organisation=world.venue)
    with pytest.raises(PermissionDenied):
        services.role_assign(actor=badmin, user_id=target.pk, role=Role.PROCTOR, organisation=world.other_venue)


def test_role_scope_kind_is_enforced(world):
    target = UserFactory(organisation=world.venue)
    with pytest.raises(ValidationError) as exc:
        services.role_assign(actor=world.platform_admin, user_id=target.pk, role=Role.BODY_ADMIN,
                             organisation=world.venue)
    assert "只能授予在" in exc.value.message_dict["organisation"][0]
    with pytest.raises(ValidationError):
        services.role_assign(actor=world.platform_admin, user_id=target.pk, role=Role.PROCTOR)


def test_grant_and_revoke_are_audited_and_take_effect(world, badmin):
    target = UserFactory(organisation=world.venue)
    assignment = services.role_assign(actor=badmin, user_id=target.pk, role=Role.PROCTOR, organisation=world.venue)
    assert rules.has_role(type(target).objects.get(pk=target.pk), Role.PROCTOR, org=world.venue)
    services.role_revoke(actor=badmin, assignment_id=assignment.pk, reason="调岗")
    assert not rules.has_role(type(target).objects.get(pk=target.pk), Role.PROCTOR)
    actions = list(AuditEntry.objects.filter(target_type="accounts.roleassignment").values_list("action", flat=True))
    assert actions == ["accounts.role.revoked", "accounts.role.granted"]  # newest first


def test_revoke_needs_a_reason(world, badmin):
    target = user_with_role(Role.PROCTOR, world.venue)
    with pytest.raises(ValidationError):
        services.role_revoke(actor=badmin, assignment_id=target.role_assignments.get().pk, reason="  ")


def test_role_form_shows_field_errors_in_chinese(client, world, badmin):
    target = UserFactory(organisation=world.venue)
    client.force_login(badmin)
    response = client.post(reverse("console:role_assign", args=[target.pk]),
                           {"role": Role.BODY_ADMIN, "organisation": world.venue.pk})
    assert response.status_code == 200
    assert "只能授予在" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_console_user_creation_end_to_end(client, world, badmin):
    client.force_login(badmin)
    response = client.post(reverse("console:user_create"), {
        "username": "newproctor", "full_name": "新监考", "organisation": world.venue.pk, "password": PASSWORD})
    assert response.status_code == 302
    created = type(badmin).objects.get(username="newproctor")
    assert created.organisation == world.venue
    assert created.check_password(PASSWORD)


def test_user_list_has_no_n_plus_one(client, world, badmin, django_assert_max_num_queries):
    client.force_login(badmin)
    user_with_role(Role.PROCTOR, world.venue)
    with django_assert_max_num_queries(30) as one:
        client.get(reverse("console:user_list"))
    for _ in range(5):
        grant(user_with_role(Role.PROCTOR, world.venue), Role.EXAMINER, world.venue)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("console:user_list"))


def test_body_admin_edits_their_bodys_contact_details_only(client, world, badmin):
    client.force_login(badmin)
    url = reverse("console:organisation_detail", args=[world.body.pk])
    assert "institution_code" not in client.get(url).content.decode()
    response = client.post(url, {"short_name": "青岛测试", "address": "崂山区 9 号", "contact_phone": "0532-1"})
    assert response.status_code == 302
    world.body.refresh_from_db()
    assert (world.body.address, world.body.institution_code) == ("崂山区 9 号", world.body.institution_code)
    with pytest.raises(ValidationError) as exc:
        services.organisation_update(actor=badmin, organisation_id=world.body.pk, institution_code="0001")
    assert "平台管理员维护" in exc.value.message_dict["institution_code"][0]


def test_body_admin_must_choose_an_organisation_for_a_new_user(client, world, badmin):
    client.force_login(badmin)
    response = client.post(reverse("console:user_create"), {
        "username": "noorg", "full_name": "无机构", "password": PASSWORD})
    assert response.status_code == 200
    assert "请选择用户所属的机构" in response.content.decode()
    assert not type(badmin).objects.filter(username="noorg").exists()


def test_refusals_are_explained_in_chinese(client, world):
    client.force_login(user_with_role(Role.PROCTOR, world.venue))
    forbidden = client.get(reverse("console:user_list"))
    assert forbidden.status_code == 403 and "无权访问" in forbidden.content.decode()
    missing = client.get("/console/users/999999/")
    assert missing.status_code == 403  # a proctor is refused before any lookup
    client.force_login(user_with_role(Role.BODY_ADMIN, world.body))
    missing = client.get("/console/users/999999/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
