"""Separation of duties (accounts.duties; §6.3.2.3, §6.4.2.2, §6.6.1, §7.2.4, §10.9, §11) as a matrix.

For every "a different person decides" declaration: the person who took the first step is refused the second
(nothing written) and somebody else succeeds. For every incompatible role pair, in both orders: granting the
second role to a holder of the first is refused, granting it to somebody else succeeds. Every declaration is
enforced where it says it is, and the split of the supervisor role holds.
"""

from __future__ import annotations

import datetime as dt
import inspect
from importlib import import_module

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from skillcert.accounts import duties, services
from skillcert.accounts.enums import CONTENT_ROLES, TOTP_REQUIRED_ROLES, OrgKind, Role
from skillcert.accounts.models import RoleAssignment, TOTPDevice
from skillcert.core.models import AuditEntry
from tests.factories import build_world, grant, paper_reviewer, supervising_authority, user_with_role

# --- One scenario per declaration: (the person who took the first step, somebody else, the second step) ----------


def _role_grant():
    world = build_world()
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="admin_a")
    colleague = user_with_role(Role.BODY_ADMIN, world.body, username="admin_b")
    return admin, colleague, lambda actor: services.role_assign(
        actor=actor, user_id=admin.pk, role=Role.ARCHIVE_KEEPER, organisation=world.body)


def _bank():
    from tests.itembank.conftest import make_world

    return make_world()


def _submitted_item(bw):
    from skillcert.itembank import services as bank
    from skillcert.itembank.enums import ItemStatus
    from tests.itembank.conftest import write_item

    item = write_item(bw)
    bank.item_transition(actor=bw.writer, item_id=item.pk, target=ItemStatus.SUBMITTED)
    return item


def _item_review():
    from skillcert.itembank import services as bank
    from skillcert.itembank.enums import ItemStatus

    bw = _bank()
    item = _submitted_item(bw)
    grant(bw.writer, Role.ITEM_REVIEWER, bw.world.body)  # a writer who also reviews: never their own item
    return bw.writer, bw.reviewer, lambda actor: bank.item_transition(actor=actor, item_id=item.pk,
                                                                       target=ItemStatus.IN_REVIEW)


def _item_acceptance():
    from skillcert.itembank import services as bank
    from tests.itembank.conftest import approve, write_item

    bw = _bank()
    approve(bw, write_item(bw))
    meeting = bank.meeting_create(actor=bw.manager, bank_id=bw.bank.pk, title="验收会", held_on=dt.date.today(),
                                  place="会议室")
    return bw.writer, bw.reviewer, lambda person: bank.meeting_add_member(
        actor=bw.manager, meeting_id=meeting.pk, user=person, background="technical")


def _bank_export():
    from skillcert.itembank import services as bank

    bw = _bank()
    second = user_with_role(Role.BANK_MANAGER, bw.world.body, username="manager_b")
    req = bank.export_request(actor=bw.manager, bank_id=bw.bank.pk, format="xlsx", statuses=["draft"], reason="备份")
    return bw.manager, second, lambda actor: bank.export_decide(actor=actor, export_id=req.pk, approve=True)


def _paper_review():
    from skillcert.papers import services as papers
    from tests.papers.conftest import make_paper_world
    from tests.papers.test_papers import assembled

    pw = make_paper_world(theory=120, practical=0)
    paper = assembled(pw)
    return pw.manager, paper_reviewer(pw.world.body), lambda actor: papers.paper_review(actor=actor,
                                                                                       paper_id=paper.pk)


def _sheet_second_entry():
    from skillcert.grading import sheets
    from skillcert.papers import services as paper_services
    from tests.grading.conftest import paper_sitting

    day, tickets = paper_sitting()
    key = paper_services.open_key_for_grading(actor=day.officer, paper=day.paper)["forms"][0]["items"]
    answers = {str(it["position"]): "" for it in key}
    sheets.sheet_enter(actor=day.officer, paper_id=day.paper.pk, ticket=tickets[0], form_number=1, absent=False,
                       answers=answers)
    clerk = user_with_role(Role.EXAM_AFFAIRS, day.session.batch.announcement.body, username="clerk_b")
    return day.officer, clerk, lambda actor: sheets.sheet_enter(
        actor=actor, paper_id=day.paper.pk, ticket=tickets[0], form_number=1, absent=False, answers=answers)


def _second_marking():
    from skillcert.grading import services as grading
    from tests.grading.conftest import sat_with_short_answers

    day, m1, m2, leader = sat_with_short_answers()
    run = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    (task,) = grading.marking_open(actor=day.officer, run_id=run.pk, markers=[m1, m2], leader=leader)
    script = task.scripts.filter(status="waiting").order_by("code").first()
    grading.mark_record(actor=m1, task_id=task.pk, code=script.code, points="5")
    return m1, m2, lambda actor: grading.mark_record(actor=actor, task_id=task.pk, code=script.code, points="5")


def _result_correction():
    from skillcert.grading import results
    from skillcert.grading.models import Result
    from tests.grading.conftest import published_batch

    day, batch = published_batch()
    result = Result.objects.filter(batch=batch).order_by("pk").first()
    change = results.change_request(actor=day.officer, result_id=result.pk, part="theory", new="61",
                                    reason="复核更正")
    second = user_with_role(Role.EXAM_AFFAIRS, batch.announcement.body, username="officer_b")
    return day.officer, second, lambda actor: results.change_decide(actor=actor, change_id=change.pk, approve=True)


def _certificate_review():
    from skillcert.certificates import services as certs
    from tests.certificates.conftest import passed_batch

    day, batch, _results, supervisor, _admin = passed_batch()
    issue = certs.issue_submit(actor=day.officer, batch_id=batch.pk)
    return day.officer, supervisor, lambda actor: certs.issue_review(actor=actor, issue_id=issue.pk, approve=True)


def _certificate_request():
    from skillcert.certificates import services as certs
    from tests.certificates.conftest import issued_certificates, passed_batch

    made, (_day, batch, _results, _supervisor, admin) = issued_certificates(passed_batch())
    req = certs.request_revoke(actor=admin, certificate_id=made[0].pk, reason="cheating", detail="考后查实替考")
    second = user_with_role(Role.BODY_ADMIN, batch.announcement.body, username="admin_second")
    return admin, second, lambda actor: certs.request_decide(actor=actor, request_id=req.pk, approve=True)


def _destruction_witness():
    from types import SimpleNamespace

    from skillcert.certificates import ledger

    world = build_world()
    officer = user_with_role(Role.EXAM_AFFAIRS, world.body, username="ledger_officer", full_name="李经办")
    receipt = ledger.stock_receive(actor=officer, body_id=world.body.pk, prefix="QD", first=1, last=5,
                                   received_on=timezone.localdate(), source="统一印制")
    witness = SimpleNamespace(full_name="周敏", username="")
    return officer, witness, lambda person: ledger.spoil(
        actor=officer, body_id=world.body.pk, serial=receipt.serial(1), reason="打印错位",
        witnesses=[person.full_name, "档案管理员 孙立"])


SCENARIOS = {
    duties.ROLE_GRANT: _role_grant,
    duties.ITEM_REVIEW: _item_review,
    duties.ITEM_ACCEPTANCE: _item_acceptance,
    duties.BANK_EXPORT: _bank_export,
    duties.PAPER_REVIEW: _paper_review,
    duties.SHEET_SECOND_ENTRY: _sheet_second_entry,
    duties.SECOND_MARKING: _second_marking,
    duties.RESULT_CORRECTION: _result_correction,
    duties.CERTIFICATE_REVIEW: _certificate_review,
    duties.CERTIFICATE_REQUEST: _certificate_request,
    duties.DESTRUCTION_WITNESS: _destruction_witness,
}


def test_every_declaration_has_a_scenario():
    assert set(SCENARIOS) == set(duties.DUTIES)


@pytest.mark.parametrize("key", [d.key for d in duties.DIFFERENT_PERSON])
def test_the_same_person_is_refused_and_another_succeeds(db, key):
    same, other, second_step = SCENARIOS[key]()
    written = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied) as refused:  # a DutyConflict (or, for certificates, the role rule first)
        second_step(same)
    if isinstance(refused.value, duties.DutyConflict):
        assert refused.value.key == key and str(duties.DUTIES[key].message) in refused.value.messages
    assert AuditEntry.objects.count() == written  # nothing written
    second_step(other)
    assert AuditEntry.objects.count() > written


@pytest.mark.parametrize("key", [d.key for d in duties.DIFFERENT_PERSON])
def test_every_declaration_is_enforced_where_it_says(key):
    duty = duties.DUTIES[key]
    constant = next(name for name in dir(duties) if getattr(duties, name) == key and name.isupper())
    for where in duty.where:
        module, function = where.rsplit(".", 1)
        source = inspect.getsource(getattr(import_module(f"skillcert.{module}"), function))
        assert f"duties.{constant}" in source, f"{where} does not enforce {key}"


def test_a_duty_conflict_is_both_a_refusal_and_a_form_error():
    from django.core.exceptions import ValidationError

    exc = duties.DutyConflict("x", "k")
    assert isinstance(exc, PermissionDenied) and isinstance(exc, ValidationError) and exc.messages == ["x"]


# --- Incompatible role pairs --------------------------------------------------------------------------------------

def _scope(world, role):
    return supervising_authority(world) if role == Role.QUALITY_SUPERVISOR else world.body


@pytest.mark.parametrize("held,granted", [(p.first, p.second) for p in duties.INCOMPATIBLE_ROLES]
                         + [(p.second, p.first) for p in duties.INCOMPATIBLE_ROLES])
def test_the_second_role_of_an_incompatible_pair_is_refused(db, held, granted):
    world = build_world()
    admin = world.platform_admin
    holder = user_with_role(Role.PROCTOR, world.body, username="holder")
    services.role_assign(actor=admin, user_id=holder.pk, role=held, organisation=_scope(world, held))
    other = user_with_role(Role.PROCTOR, world.body, username="other")
    written = RoleAssignment.objects.count()
    with pytest.raises(duties.DutyConflict, match=str(Role(held).label)):
        services.role_assign(actor=admin, user_id=holder.pk, role=granted, organisation=_scope(world, granted))
    assert RoleAssignment.objects.count() == written
    services.role_assign(actor=admin, user_id=other.pk, role=granted, organisation=_scope(world, granted))


def test_a_revoked_role_no_longer_conflicts(world):
    holder = user_with_role(Role.PROCTOR, world.body, username="holder")
    a = services.role_assign(actor=world.platform_admin, user_id=holder.pk, role=Role.EXAM_AFFAIRS,
                             organisation=world.body)
    services.role_revoke(actor=world.platform_admin, assignment_id=a.pk, reason="调岗")
    services.role_assign(actor=world.platform_admin, user_id=holder.pk, role=Role.INTERNAL_SUPERVISOR,
                         organisation=world.body)


# --- What was found: a body admin supervising and reading the bank himself ----------------------------------------

@pytest.mark.parametrize("role", [Role.QUALITY_SUPERVISOR, Role.INTERNAL_SUPERVISOR, Role.BANK_MANAGER,
                                  Role.ITEM_WRITER, Role.ITEM_REVIEWER, Role.EXAM_AFFAIRS])
def test_a_body_admin_grants_himself_nothing(world, role):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="self_granter")
    before = RoleAssignment.objects.count()
    with pytest.raises(PermissionDenied):
        services.role_assign(actor=admin, user_id=admin.pk, role=role, organisation=world.body)
    assert RoleAssignment.objects.count() == before


def test_the_platform_admin_grants_himself_nothing(world):
    with pytest.raises(duties.DutyConflict, match="不能给自己授予角色"):
        services.role_assign(actor=world.platform_admin, user_id=world.platform_admin.pk, role=Role.BANK_MANAGER,
                             organisation=world.body)


def test_the_quality_supervisor_is_held_at_an_authority_and_the_internal_one_at_a_body_or_venue(world):
    admin = world.platform_admin
    person = user_with_role(Role.PROCTOR, world.venue, username="sup")
    for role, wrong in ((Role.QUALITY_SUPERVISOR, world.body), (Role.INTERNAL_SUPERVISOR,
                                                               supervising_authority(world))):
        with pytest.raises(Exception, match="只能授予在") as exc:
            services.role_assign(actor=admin, user_id=person.pk, role=role, organisation=wrong)
        assert "organisation" in exc.value.message_dict
    services.role_assign(actor=admin, user_id=person.pk, role=Role.INTERNAL_SUPERVISOR, organisation=world.venue)


def test_only_the_authoritys_supervisor_reviews_certificate_submissions(db):
    from skillcert.certificates import services as certs
    from tests.certificates.conftest import passed_batch

    day, batch, _results, supervisor, admin = passed_batch()
    body = batch.announcement.body
    internal = user_with_role(Role.INTERNAL_SUPERVISOR, body, username="internal_sup")
    issue = certs.issue_submit(actor=day.officer, batch_id=batch.pk)
    for refused in (internal, admin, day.officer):
        with pytest.raises(PermissionDenied):
            certs.issue_review(actor=refused, issue_id=issue.pk, approve=True)
    assert certs.issue_review(actor=supervisor, issue_id=issue.pk, approve=True).status == "approved"


# --- Content roles need the holder's second factor ----------------------------------------------------------------

def test_content_roles_need_a_second_factor():
    assert CONTENT_ROLES <= TOTP_REQUIRED_ROLES


def test_bank_content_is_refused_until_the_holder_has_a_confirmed_device(db):
    from skillcert.itembank import rules as bank_rules
    from skillcert.itembank import services as bank
    from tests.itembank.conftest import write_item

    bw = _bank()
    item = write_item(bw)
    admin = user_with_role(Role.BODY_ADMIN, bw.world.body, username="granting_admin")
    newcomer = user_with_role(Role.PROCTOR, bw.world.body, username="newcomer")
    services.role_assign(actor=admin, user_id=newcomer.pk, role=Role.BANK_MANAGER, organisation=bw.world.body)
    newcomer.refresh_from_db()
    assert not bank_rules.manages(newcomer, bw.bank) and not bank_rules.may_read_content(newcomer, item)
    with pytest.raises(PermissionDenied):
        bank.item_content(actor=newcomer, item=item)
    TOTPDevice.objects.create(user=newcomer, secret="A" * 32, confirmed_at=timezone.now())
    newcomer.refresh_from_db()
    fresh = type(newcomer).objects.get(pk=newcomer.pk)  # a new request: the rules' memo starts empty
    assert bank_rules.manages(fresh, bw.bank) and bank_rules.may_read_content(fresh, item)


# --- The data migration and the auditor's page --------------------------------------------------------------------

def test_the_migration_turns_body_and_venue_supervisors_into_internal_ones(world):
    from django.apps import apps

    migration = import_module("skillcert.accounts.migrations.0003_internal_supervisor")
    # Rows as the old code let them be written (a supervisor at a body or venue): legacy data, so made directly.
    at_body = RoleAssignment.objects.create(user=user_with_role(Role.PROCTOR, world.body, username="a"),
                                            role=Role.QUALITY_SUPERVISOR, organisation=world.body)
    at_venue = RoleAssignment.objects.create(user=user_with_role(Role.PROCTOR, world.venue, username="b"),
                                             role=Role.QUALITY_SUPERVISOR, organisation=world.venue)
    at_authority = grant(user_with_role(Role.PROCTOR, None, username="c"), Role.QUALITY_SUPERVISOR,
                         supervising_authority(world))
    migration.split_supervisors(apps, None)
    roles = dict(RoleAssignment.objects.filter(pk__in=[at_body.pk, at_venue.pk, at_authority.pk])
                 .values_list("pk", "role"))
    assert roles == {at_body.pk: Role.INTERNAL_SUPERVISOR, at_venue.pk: Role.INTERNAL_SUPERVISOR,
                     at_authority.pk: Role.QUALITY_SUPERVISOR}
    assert world.body.kind == OrgKind.BODY


def test_the_duties_page_lists_every_declaration_and_the_conflicts_in_scope(client, world):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="auditor")
    legacy = user_with_role(Role.EXAM_AFFAIRS, world.body, username="legacy", full_name="兼任者")
    grant(legacy, Role.INTERNAL_SUPERVISOR, world.body)  # held together before the declaration
    outsider = user_with_role(Role.EXAM_AFFAIRS, world.other_body, username="elsewhere", full_name="外机构兼任者")
    grant(outsider, Role.INTERNAL_SUPERVISOR, world.other_body)
    client.force_login(admin)
    page = client.get(reverse("console:duties")).content.decode()
    for duty in duties.DIFFERENT_PERSON:
        assert str(duty.message) in page and all(w in page for w in duty.where) and duty.clause in page
    for pair in duties.INCOMPATIBLE_ROLES:
        assert str(pair.reason) in page
    assert "兼任者" in page and "外机构兼任者" not in page


def test_the_role_page_refuses_a_self_grant_with_the_reason(client, world):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="page_admin")
    client.force_login(admin)
    before = RoleAssignment.objects.count()
    response = client.post(reverse("console:role_assign", args=[admin.pk]),
                           {"role": Role.BANK_MANAGER, "organisation": world.body.pk})
    assert response.status_code == 200 and "不能给自己授予角色" in response.content.decode()
    assert RoleAssignment.objects.count() == before
