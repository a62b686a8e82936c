"""Shared fixtures.

Tests that need PostgreSQL, Redis or chromium skip with a reason when those are absent.
CI sets SKILLCERT_REQUIRE_SERVICES=1, which turns every such skip into a failure.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

REQUIRE_SERVICES = os.environ.get("SKILLCERT_REQUIRE_SERVICES") == "1"


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required in CI but missing: {reason}")
    pytest.skip(reason)


def need_postgres() -> None:
    need(connection.vendor == "postgresql",
         "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _fast_hashing(settings, request):
    """Argon2 is the configured hasher (tested in test_settings); tests hash with MD5 for speed."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters (accounts/throttle.py) live in the cache: no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _small_banks(request, monkeypatch):
    """Tests assemble papers from banks of a few hundred items: the §7.1.3.2 bank minimum (1,200 theory,
    60 practical) is waived for them, and enforced in the tests that ask for the ``bank_minimum`` fixture."""
    if "bank_minimum" not in request.fixturenames:
        monkeypatch.setattr("skillcert.papers.bankcheck.ENFORCED", False)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded documents and photos go to a per-test folder, never to var/."""
    settings.MEDIA_ROOT = tmp_path / "protected"


@pytest.fixture
def world(db):
    """A body with two venues, a second unrelated body, the catalogue, and a platform admin."""
    from tests.factories import build_world

    return build_world()


def pytest_collection_modifyitems(config, items):
    """In CI, PostgreSQL-only tests are deselected from the SQLite stage: the PostgreSQL stage runs them
    (and fails them if the server is missing). On a developer's machine they skip with a reason instead."""
    from django.conf import settings

    if not REQUIRE_SERVICES or "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    keep = [i for i in items if i.get_closest_marker("postgres") is None]
    deselected = [i for i in items if i.get_closest_marker("postgres") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = keep


@pytest.fixture(autouse=True)
def _item_key(settings, tmp_path):
    """Each test seals bank content under its own key ring, never var/keys/."""
    settings.SKILLCERT_ITEM_KEY = str(tmp_path / "keys" / "item.key")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database is emptied with TRUNCATE after every transactional test, which the audit table's
    guard trigger refuses in production (core migration 0005): switch that one trigger off in the test
    database. The tests of the trigger switch it on inside their own transaction."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cur:
            cur.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_truncate")


@pytest.fixture(autouse=True)
def _audit_key(settings, tmp_path):
    """Each test keys the audit chain and signs its checkpoints under its own key and file, never var/."""
    settings.SKILLCERT_AUDIT_KEY = str(tmp_path / "keys" / "audit.key")
    settings.SKILLCERT_AUDIT_CHECKPOINTS = str(tmp_path / "audit" / "checkpoints.jsonl")


@pytest.fixture(autouse=True)
def _signing_keys_and_mail(settings, tmp_path):
    """The ticket and certificate signing keys and the file mailbox are per test too: under pytest-xdist two
    workers share var/, and one creating var/keys/ticket.key while the other reads it half-written would be a
    flaky failure (issue #21 item 9)."""
    settings.SKILLCERT_TICKET_KEY = str(tmp_path / "keys" / "ticket.key")
    settings.SKILLCERT_CERTIFICATE_KEY = str(tmp_path / "keys" / "certificate.key")
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")


def parallel(*calls):
    """Run the calls at the same instant, each in its own thread and database connection; their exceptions."""
    import threading

    from django.db import connection

    barrier, errors = threading.Barrier(len(calls)), []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
