"""Demo world (issue #2 §6): one command, idempotent, every role present."""

import pytest
from django.core.management import call_command

from skillcert.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from skillcert.accounts.enums import Role
from skillcert.accounts.models import Organisation, RoleAssignment, User
from skillcert.core.audit import verify_chain
from skillcert.core.models import AuditEntry

pytestmark = pytest.mark.django_db


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


def test_demo_users_can_log_in_with_the_printed_password(client):
    call_command("seed_demo", "--quiet")
    response = client.post("/accounts/login/", {"username": "demo_proctor", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/console/"


def test_totp_code_prints_the_current_code(capsys):
    import pyotp

    call_command("seed_demo", "--quiet")
    call_command("totp_code", "demo_body_admin")
    code = capsys.readouterr().out.strip()
    secret = User.objects.get(username="demo_body_admin").totp_device.secret
    assert pyotp.TOTP(secret).verify(code, valid_window=1)
