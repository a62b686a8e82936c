"""Demo world (issue #2 §6): one command, idempotent, every role present."""

import pytest
from django.core.management import call_command
from django.db import models

from skillcert.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from skillcert.accounts.enums import Role
from skillcert.accounts.models import Organisation, RoleAssignment, User
from skillcert.core.audit import verify_chain
from skillcert.core.models import AuditEntry

# The demo runs in one CI stage only (SQLite; .ci/run deselects -m demo on PostgreSQL), issue #21 item 9.
pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def test_seed_demo_builds_every_role_and_is_idempotent(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    counts = (User.objects.count(), Organisation.objects.count(), RoleAssignment.objects.count(),
              AuditEntry.objects.count())
    call_command("seed_demo", "--quiet")
    assert (User.objects.count(), Organisation.objects.count(), RoleAssignment.objects.count(),
            AuditEntry.objects.count()) == counts
    assert {a.role for a in RoleAssignment.objects.all()} == set(Role.values)
    assert DEMO_PASSWORD in out and "TOTP secret" in out
    assert all(spec.username in out for spec in DEMO_USERS)
    body = Organisation.objects.get(kind="body")
    assert body.certificate_prefix == "S208737000318"
    assert body.children.count() == 2
    assert body.filed_scope.count() == 4
    assert verify_chain().ok
    _certified_stage_issued_reissued_and_revoked()
    _demo_reads_like_a_real_body(out)


def _demo_reads_like_a_real_body(out: str):
    """Issue #20 item 19: the demo passes the product's own checks — valid GB 11643 numbers, a bank of
    distinct stems without internal codes, no paper repeating a stem; the logins are not buried in mail."""
    import re

    from skillcert.itembank.content import open_sealed
    from skillcert.itembank.models import ItemVersion
    from skillcert.papers.models import PaperItem
    from skillcert.registration.idnumbers import parse_resident_id
    from skillcert.registration.models import Application

    people = [*User.objects.filter(id_type="resident_id").values_list("id_number", flat=True),
              *Application.objects.filter(id_type="resident_id").values_list("id_number", flat=True)]
    assert len(people) > 250
    for number in people:
        parse_resident_id(number)  # raises on a wrong check character, date or region
    assert "Subject:" not in out and "Content-Transfer-Encoding" not in out  # mail goes to var/mail, not here

    stems: dict[int, list[str]] = {}
    versions = ItemVersion.objects.filter(item__current_version=models.F("pk")).select_related("item")
    for v in versions:
        stems.setdefault(v.item.bank_id, []).append(open_sealed(v.key_id, v.sealed, v.aad())["stem"])
    for bank_stems in stems.values():
        assert len(bank_stems) == len(set(bank_stems))
        assert not [s for s in bank_stems if re.search(r"[A-C]\.\d{2}|认定点|实操任务\d", s)]
    assert PaperItem.objects.exists()
    for form_id in set(PaperItem.objects.values_list("form_id", flat=True)):
        rows = PaperItem.objects.filter(form_id=form_id).select_related("version")
        form_stems = [open_sealed(r.version.key_id, r.version.sealed, r.version.aad())["stem"] for r in rows]
        assert len(form_stems) == len(set(form_stems)), form_id


def _certified_stage_issued_reissued_and_revoked():
    """Issue #9: the demo batch's certificates issued, one reissued, one revoked; the public check answers."""
    from django.test import Client

    from skillcert.certificates.models import Certificate, CertificateIssue
    from skillcert.grading.demo import BATCH_NAME
    from skillcert.integrity.models import IntegrityBar

    issue = CertificateIssue.objects.get(batch__name=BATCH_NAME)
    assert issue.status == "issued" and issue.batch.results.filter(status="published").exists()
    statuses = list(Certificate.objects.filter(issue=issue).values_list("status", flat=True))
    assert statuses.count("replaced") == 1 and statuses.count("revoked") == 1 and statuses.count("valid") >= 8
    assert Certificate.objects.filter(issue=issue, is_reissue=True).count() == 1
    assert IntegrityBar.objects.filter(reason="cheating").count() == 1
    valid = Certificate.objects.filter(issue=issue, status="valid").first()
    page = Client().get("/verify/", {"number": valid.number, "name": valid.name}).content.decode()
    assert valid.number in page and "有效" in page
    # The ledger (§8.2.4.2): a seal, stock, every certificate printed, one misprint destroyed, two waiting.
    from skillcert.certificates import ledger, platform
    from skillcert.certificates.models import CertificateLayout

    body = issue.batch.announcement.body
    assert CertificateLayout.objects.get(body=body).seal
    counts = {code: n for _l, code, n in ledger.report(body.pk, issue=issue)["counts"]}
    assert counts["printed"] == len(statuses) + 1 and counts["spoiled"] == 1 and counts["mailed"] == 2
    assert counts["reissued"] == counts["revoked"] == 1
    assert [why for _c, why in ledger.untraced(issue)] == ["已印制未发放"] * 2
    assert platform.pending(body.pk).count() == 3 and platform.talent_counts([body.pk])["people"] >= 10


@pytest.mark.django_db
def test_graded_stage_shows_a_batch_confirmed_but_not_published():
    """Issue #8: the demo batch sat and was graded — disagreements settled by the leader, one voided result,
    a copying pair found, results confirmed by the chief but not published (the portal shows nothing)."""
    from django.test import Client

    call_command("seed_demo", "--quiet", "--stage", "graded")
    from skillcert.grading.demo import BATCH_NAME
    from skillcert.grading.models import Mark, PartState, ResultStatus, SimilarityScreening, WorkPiece
    from skillcert.scheduling.models import Batch

    batch = Batch.objects.get(name=BATCH_NAME)
    results = list(batch.results.all())
    assert len(results) >= 30 and {r.status for r in results} == {ResultStatus.CONFIRMED}
    assert all(r.passed is not None for r in results) and 0 < sum(r.passed for r in results) < len(results)
    assert sum(r.practical_state == PartState.VOID for r in results) == 1
    assert sum(r.theory_state == PartState.ABSENT for r in results) >= 2
    third = Mark.objects.filter(script__task__paper__session__batch=batch, round=3)
    assert 1 <= third.count() and all(m.script.status == "final" for m in third)  # settled by the leader
    screening = SimilarityScreening.objects.get(run__session__batch=batch)
    assert screening.flagged, "the planted copying pair is found"
    assert WorkPiece.objects.filter(panel__session__batch=batch, flagged=True).exists()
    candidate = results[0].application.candidate
    client = Client()
    client.force_login(candidate)
    page = client.get(f"/portal/applications/{results[0].application_id}/").content.decode()
    assert 'id="my-result"' not in page


def test_demo_users_can_log_in_with_the_printed_password(client):
    call_command("seed_demo", "--quiet", "--stage", "foundation")
    response = client.post("/accounts/login/", {"username": "demo_proctor", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/console/"


def test_totp_code_prints_the_current_code(capsys):
    import pyotp

    call_command("seed_demo", "--quiet", "--stage", "foundation")
    call_command("totp_code", "demo_body_admin")
    code = capsys.readouterr().out.strip()
    secret = User.objects.get(username="demo_body_admin").totp_device.secret
    assert pyotp.TOTP(secret).verify(code, valid_window=1)


def test_registration_stage_shows_the_whole_cycle_so_far(client):
    """Issue #3: an annual plan, a published announcement for two trades at 中级 and 高级, ~300 candidates
    with applications in every state; the demo candidate logs in with an ID number."""
    from skillcert.registration.enums import ApplicationStatus
    from skillcert.registration.models import Announcement, AnnualPlan, Application

    call_command("seed_demo", "--quiet", "--stage", "registration")
    ann = Announcement.objects.get(status="published")
    offers = {(o.trade.name, o.level.number) for o in ann.offers.select_related("trade", "level")}
    assert offers == {("碳排放监测员", 4), ("碳排放监测员", 3), ("碳排放核算员", 4), ("碳排放核算员", 3)}
    assert AnnualPlan.objects.get().rows.count() >= 4
    apps = Application.objects.filter(announcement=ann)
    assert 280 <= apps.count() <= 320
    assert set(apps.values_list("status", flat=True)) == set(ApplicationStatus.values)
    assert apps.filter(fee_status="paid").exists()
    response = client.post("/portal/login/", {"username": "370212199205173417", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert "我的报名" in client.get("/portal/").content.decode()
    assert verify_chain().ok


def test_itembank_stage_has_a_complete_and_a_short_bank(client):
    """Issue #5: a blueprint and a complete 中级 bank (1,200 theory + 60 practical, accepted and released),
    items in every workflow state, and a 高级 bank with shortfalls (§7.1.3.2)."""
    from skillcert.demo.stages import foundation
    from skillcert.itembank import sufficiency
    from skillcert.itembank.demo import seed_itembank
    from skillcert.itembank.models import Bank

    foundation()
    bank = seed_itembank()
    assert seed_itembank() == bank  # idempotent
    report = sufficiency.report(bank)
    assert [(p.active, p.required) for p in report.parts] == [(1200, 1200), (60, 60)] and report.ok
    assert {"draft", "submitted", "in_review", "returned", "approved", "active"} <= set(report.pipeline)
    assert bank.releases.get().item_versions.count() == 1260
    assert bank.meetings.get().members.filter(signed_at__isnull=False).count() == 5
    senior = Bank.objects.get(level__number=3)
    short = sufficiency.report(senior)
    assert short.parts[0].short == 1200 - 420 and short.parts[1].short == 60 - 18 and not short.ok
    difficulties = set(bank.items.values_list("difficulty", flat=True))
    assert difficulties == {1, 2, 3, 4, 5}
    assert bank.items.filter(discrimination__isnull=False).count() >= 1200
    manager = User.objects.get(username="demo_bank_manager")
    client.force_login(manager)
    page = client.get("/console/banks/").content.decode()
    assert "题量不足" in page and "达标" in page
