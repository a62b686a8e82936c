"""Audit log (§6.7.1 责任可追溯、可倒查; §7.3.3; §10.9): append-only, hash-chained, verifiable."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from skillcert.core import audit
from skillcert.core.models import AuditChainHead, AuditEntry
from tests.conftest import need_postgres
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _raw(sql: str, params=()) -> None:
    """Tamper as a DBA would: straight SQL, with the PostgreSQL guard trigger switched off."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only")


def _write(n: int) -> list[AuditEntry]:
    actor = UserFactory()
    return [audit.record(actor, "tests.thing.done", target=actor, data={"i": i, "名称": "碳排放"}) for i in range(n)]


def _seq_base() -> int:
    return AuditChainHead.objects.get(pk=1).seq


def test_record_links_each_row_to_the_previous_one():
    entries = _write(3)
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert entries[2].seq == entries[0].seq + 2
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (entries[2].seq, entries[2].hash)


def test_record_stores_actor_target_ip_and_outcome():
    from skillcert.core.context import reset_client_ip, set_client_ip

    actor = UserFactory(username="auditor1")
    token = set_client_ip("10.1.2.3")
    try:
        entry = audit.record(actor, "accounts.user.locked", target=actor, data={"failures": 5}, outcome="denied")
    finally:
        reset_client_ip(token)
    entry.refresh_from_db()
    assert (entry.actor_id, entry.actor_label, entry.action) == (actor.pk, "auditor1", "accounts.user.locked")
    assert (entry.target_type, entry.target_id) == ("accounts.user", str(actor.pk))
    assert (entry.ip, entry.outcome, entry.data) == ("10.1.2.3", "denied", {"failures": 5})


def test_verify_accepts_an_untouched_chain():
    _write(5)
    report = audit.verify_chain()
    assert report.ok
    assert report.checked == _seq_base()


def test_verify_catches_an_altered_row():
    entries = _write(5)
    _raw("UPDATE core_auditentry SET data = %s WHERE seq = %s", ('{"i": 99}', entries[2].seq))
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_seq == entries[2].seq
    assert "altered" in report.reason


def test_verify_catches_a_deleted_row():
    entries = _write(5)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", (entries[1].seq,))
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_seq == entries[1].seq


def test_verify_catches_rows_cut_from_the_end():
    entries = _write(4)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", (entries[-1].seq,))
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_seq == entries[-1].seq


def test_verify_catches_a_row_spliced_into_the_middle():
    entries = _write(4)
    # Shift the later rows up by one and slip a forged row (with a self-consistent hash) into the gap.
    target = entries[2].seq
    for e in reversed(entries[2:]):
        _raw("UPDATE core_auditentry SET seq = %s WHERE seq = %s", (e.seq + 1, e.seq))
    forged = dict(audit.entry_values(entries[1]), seq=target, action="tests.forged", prev_hash=entries[1].hash)
    forged_hash = audit.compute_hash(forged)
    _raw(
        "INSERT INTO core_auditentry (seq, at, actor_id, actor_label, org_id, action, target_type, target_id, "
        "target_label, data, ip, outcome, prev_hash, hash) VALUES "
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (target, forged["at"], forged["actor_id"], forged["actor_label"], forged["org_id"], forged["action"],
         forged["target_type"], forged["target_id"], forged["target_label"], '{"i": 1, "名称": "碳排放"}',
         forged["ip"], forged["outcome"], forged["prev_hash"], forged_hash),
    )
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_seq == target + 1  # the next row no longer points at its real predecessor


def test_verify_catches_a_row_appended_behind_the_heads_back():
    entries = _write(2)
    last = entries[-1]
    forged = dict(audit.entry_values(last), seq=last.seq + 1, action="tests.forged", prev_hash=last.hash)
    _raw(
        "INSERT INTO core_auditentry (seq, at, actor_id, actor_label, org_id, action, target_type, target_id, "
        "target_label, data, ip, outcome, prev_hash, hash) VALUES "
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (forged["seq"], forged["at"], forged["actor_id"], forged["actor_label"], forged["org_id"],
         forged["action"], forged["target_type"], forged["target_id"], forged["target_label"],
         '{"i": 1, "名称": "碳排放"}', forged["ip"], forged["outcome"], forged["prev_hash"],
         audit.compute_hash(forged)),
    )
    report = audit.verify_chain()
    assert not report.ok
    assert "head records" in report.reason


def test_audit_verify_command_exits_nonzero_on_a_broken_chain(capsys):
    entries = _write(3)
    call_command("audit_verify")
    assert "audit chain OK" in capsys.readouterr().out
    _raw("UPDATE core_auditentry SET actor_label = 'someone-else' WHERE seq = %s", (entries[0].seq,))
    with pytest.raises(CommandError, match=f"BROKEN at row {entries[0].seq}"):
        call_command("audit_verify")


def test_entry_is_rolled_back_with_the_change_it_records():
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _write(1)
        raise RuntimeError("the service failed after recording")
    assert AuditEntry.objects.count() == before
    assert audit.verify_chain().ok


def test_deferred_entries_are_chained_in_order_when_the_block_ends():
    actor = UserFactory()
    base = _seq_base() if AuditChainHead.objects.exists() else 0
    with transaction.atomic():
        with audit.deferred():
            assert audit.record(actor, "tests.deferred.first", data={"i": 1}) is None
            audit.record(actor, "tests.deferred.second", data={"i": 2})
            assert not AuditEntry.objects.filter(action__startswith="tests.deferred").exists()  # nothing yet
        rows = list(AuditEntry.objects.filter(action__startswith="tests.deferred").order_by("seq"))
    assert [(r.seq, r.action) for r in rows] == [(base + 1, "tests.deferred.first"),
                                                 (base + 2, "tests.deferred.second")]
    assert rows[1].prev_hash == rows[0].hash
    assert audit.verify_chain().ok


def test_deferred_entries_go_with_a_failed_block():
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError, match="failed"), transaction.atomic(), audit.deferred():
        audit.record(None, "tests.deferred.lost", actor_label="x")
        raise RuntimeError("the service failed")
    assert AuditEntry.objects.count() == before
    audit.record(None, "tests.after", actor_label="x")  # not deferred any more: written at once
    assert AuditEntry.objects.filter(action="tests.after").exists()


@pytest.mark.postgres
def test_postgres_trigger_refuses_update_and_delete():
    need_postgres()
    entry = _write(1)[0]
    for sql in ("UPDATE core_auditentry SET action = 'x' WHERE seq = %s", "DELETE FROM core_auditentry WHERE seq = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, (entry.seq,))
    entry.refresh_from_db()
    assert entry.action == "tests.thing.done"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_cannot_fork_the_chain():
    need_postgres()
    actor = UserFactory()
    threads_n, per_thread, errors = 6, 25, []
    start = threading.Barrier(threads_n)

    def writer(k: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit.record(actor, "tests.parallel.write", data={"thread": k, "i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit.verify_chain()
    assert report.ok, report
    assert AuditEntry.objects.filter(action="tests.parallel.write").count() == threads_n * per_thread
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


# --- An attacker with database access (issue #20 item 3; §6.7.1, §10.9) ------------------------------------
# The audit key and the signed checkpoints live outside the database (settings.SKILLCERT_AUDIT_KEY,
# SKILLCERT_AUDIT_CHECKPOINTS: per test under tmp_path, tests/conftest.py).

def _set_head(seq: int, hash_: str) -> None:
    """The chain head is an ordinary row: anyone with write access to the database can move it."""
    _raw("UPDATE core_auditchainhead SET seq = %s, hash = %s WHERE id = 1", (seq, hash_))


def _rewrite_plain(from_seq: int, change: dict) -> None:
    """Rewrite rows from ``from_seq`` on as someone without the key would: change one row, recompute every
    later hash with SHA-256 (the pre-keying algorithm), move the head."""
    rows = list(AuditEntry.objects.filter(seq__gte=from_seq).order_by("seq"))
    prev = AuditEntry.objects.get(seq=from_seq - 1).hash if from_seq > 1 else "0" * 64
    for i, row in enumerate(rows):
        values = dict(audit.entry_values(row), prev_hash=prev, **(change if i == 0 else {}))
        new_hash = audit.plain_hash(values)
        _raw("UPDATE core_auditentry SET actor_label = %s, prev_hash = %s, hash = %s WHERE seq = %s",
             (values["actor_label"], prev, new_hash, row.seq))
        prev = new_hash
    _set_head(rows[-1].seq, prev)


def _checkpoint_lines(settings) -> list[str]:
    from pathlib import Path

    path = Path(settings.SKILLCERT_AUDIT_CHECKPOINTS)
    return path.read_text().splitlines() if path.exists() else []


def test_hashes_are_keyed_with_a_key_kept_outside_the_database(settings):
    import os
    from pathlib import Path

    entry = _write(1)[0]
    values = audit.entry_values(entry)
    assert entry.hash == audit.compute_hash(values) != audit.plain_hash(values)
    key = Path(settings.SKILLCERT_AUDIT_KEY)
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
    assert audit.verify_chain().ok
    settings.SKILLCERT_AUDIT_KEY = str(key.with_name("another.key"))  # the right rows, the wrong key
    report = audit.verify_chain(use_checkpoints=False)
    assert not report.ok and report.broken_seq == 1


def test_deleting_the_newest_rows_and_moving_the_head_back_is_detected(settings):
    entries = _write(5)
    written = audit.checkpoint()
    assert (written.seq, written.hash) == (entries[-1].seq, entries[-1].hash)
    _raw("DELETE FROM core_auditentry WHERE seq >= %s", (entries[3].seq,))
    _set_head(entries[2].seq, entries[2].hash)
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_seq == entries[3].seq
    assert f"rows {entries[3].seq}–{entries[-1].seq} are missing" in report.reason
    with pytest.raises(CommandError, match=f"BROKEN at row {entries[3].seq}: rows"):
        call_command("audit_verify")
    with pytest.raises(audit.ChainBroken, match=f"row {entries[-1].seq} is missing"):
        audit.checkpoint()  # nor is the cut chain signed over
    assert len(_checkpoint_lines(settings)) == 1


def test_rewriting_rows_with_recomputed_sha256_hashes_is_detected():
    entries = _write(5)
    _rewrite_plain(entries[2].seq, {"actor_label": "someone-else"})
    report = audit.verify_chain()  # even with no checkpoint yet: the key is missing from the forgery
    assert not report.ok
    assert report.broken_seq == entries[2].seq
    assert "plain SHA-256, not keyed" in report.reason
    with pytest.raises(CommandError, match=f"BROKEN at row {entries[2].seq}"):
        call_command("audit_verify")


def test_rewriting_the_whole_chain_from_the_first_row_is_detected():
    _write(4)
    _rewrite_plain(1, {"actor_label": "nobody"})
    report = audit.verify_chain()
    assert not report.ok and report.broken_seq == 1


def test_truncating_the_table_and_resetting_the_head_is_detected(capsys):
    entries = _write(3)
    call_command("audit_verify")  # verifies and signs a checkpoint of row 3
    assert f"checkpoint signed: row {entries[-1].seq}" in capsys.readouterr().out
    _raw("DELETE FROM core_auditentry")
    _set_head(0, "0" * 64)
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_seq == 1
    assert "deleted or truncated" in report.reason
    # The application writing on afterwards does not hide it: row 1 is not the row the checkpoint signed.
    _write(4)
    report = audit.verify_chain()
    assert not report.ok and report.broken_seq == entries[-1].seq
    assert "differs from the signed checkpoint" in report.reason


def test_deleting_a_row_in_the_middle_is_detected_even_renumbered():
    entries = _write(5)
    audit.checkpoint()
    middle = entries[2].seq
    _raw("DELETE FROM core_auditentry WHERE seq = %s", (middle,))
    report = audit.verify_chain()
    assert not report.ok and report.broken_seq == middle and "missing" in report.reason
    # Close the gap: renumber the later rows, relink and rehash them without the key, move the head.
    for e in entries[3:]:
        _raw("UPDATE core_auditentry SET seq = %s WHERE seq = %s", (e.seq - 1, e.seq))
    _rewrite_plain(middle, {})
    report = audit.verify_chain()
    assert not report.ok and report.broken_seq == middle


def test_an_edited_checkpoint_file_is_detected(settings):
    from pathlib import Path

    path = Path(settings.SKILLCERT_AUDIT_CHECKPOINTS)
    first = _write(3)
    audit.checkpoint()
    _write(2)
    audit.checkpoint()
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    # Move the first checkpoint back to row 1 so that rows 2.. could be cut: the signature no longer verifies.
    path.write_text(lines[0].replace(f'"seq":{first[-1].seq}', '"seq":1') + "\n" + lines[1] + "\n")
    report = audit.verify_chain()
    assert not report.ok
    assert report.checkpoint_line == 1 and "altered" in report.reason
    with pytest.raises(CommandError, match="BROKEN at checkpoint file line 1"):
        call_command("audit_verify")
    # Remove the first line instead: the second no longer follows it.
    path.write_text(lines[1] + "\n")
    report = audit.verify_chain()
    assert not report.ok and report.checkpoint_line == 1 and "does not follow" in report.reason
    # Restore it: verifies again.
    path.write_text("\n".join(lines) + "\n")
    assert audit.verify_chain().ok


def test_a_checkpoint_is_signed_every_n_entries_after_the_commit(settings, django_capture_on_commit_callbacks):
    settings.SKILLCERT_AUDIT_CHECKPOINT_EVERY = 3
    actor = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            audit.record(actor, "tests.periodic", data={"i": 0})
    assert _checkpoint_lines(settings) == []  # < 3 entries: nothing yet, and nothing written per entry
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for i in range(7):  # crosses 3 and 6: still one checkpoint for the transaction
                audit.record(actor, "tests.periodic", data={"i": i})
    assert len(callbacks) == 1
    lines = _checkpoint_lines(settings)
    assert len(lines) == 1 and f'"seq":{_seq_base()}' in lines[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        audit.record(actor, "tests.periodic")  # no boundary crossed: no callback
    assert callbacks == []


def test_no_checkpoint_is_signed_over_a_broken_chain(settings):
    entries = _write(3)
    _raw("UPDATE core_auditentry SET actor_label = 'x' WHERE seq = %s", (entries[1].seq,))
    with pytest.raises(audit.ChainBroken, match=f"row {entries[1].seq}"):
        audit.checkpoint()
    with pytest.raises(CommandError, match=f"row {entries[1].seq}"):
        call_command("audit_checkpoint")
    assert _checkpoint_lines(settings) == []


def test_checkpoints_export_for_the_supervising_authority_is_verifiable_and_audited(tmp_path):
    import json

    from skillcert.core import checkpoints

    _write(3)
    call_command("audit_checkpoint")
    _write(1)
    call_command("audit_checkpoint")
    target = tmp_path / "export.json"
    call_command("audit_checkpoint", "--export", str(target))
    bundle = json.loads(target.read_text())
    assert bundle["algorithm"] == "Ed25519" and "BEGIN PUBLIC KEY" in bundle["public_key_pem"]
    verified = checkpoints.verify_bundle(bundle)  # the public key alone suffices
    assert [cp.seq for cp in verified] == [3 + _seq_base() - 5, _seq_base() - 1]
    exported = AuditEntry.objects.get(action="core.audit.checkpoints_exported")
    assert exported.data["checkpoints"] == 2 and exported.actor_label == "audit_checkpoint"
    forged = dict(bundle, checkpoints=[bundle["checkpoints"][0].replace('"count":', '"count":1')])
    with pytest.raises(checkpoints.CheckpointError, match="line 1"):
        checkpoints.verify_bundle(forged)


def test_rows_written_before_keying_verify_up_to_their_signed_legacy_checkpoint(monkeypatch, settings):
    import importlib

    from django.apps import apps

    legacy = importlib.import_module("skillcert.core.migrations.0006_audit_keyed_legacy_checkpoint")
    with monkeypatch.context() as m:  # an installation from before this release: plain SHA-256 hashes
        m.setattr(audit, "compute_hash", audit.plain_hash)
        old = _write(3)
    assert not audit.verify_chain().ok  # unkeyed and no legacy checkpoint: not accepted
    legacy.forward(apps, connection.schema_editor())
    assert len(_checkpoint_lines(settings)) == 1 and '"kind":"legacy"' in _checkpoint_lines(settings)[0]
    legacy.forward(apps, connection.schema_editor())  # re-run: signed once
    assert len(_checkpoint_lines(settings)) == 1
    new = _write(2)
    assert new[0].prev_hash == old[-1].hash and new[0].hash == audit.compute_hash(audit.entry_values(new[0]))
    assert audit.verify_chain().ok
    # A legacy row rewritten with recomputed plain hashes up to the pinned head: caught at the pin.
    _rewrite_plain(old[1].seq, {"actor_label": "someone-else"})
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_seq in (old[-1].seq, new[0].seq)


def test_audit_checkpoint_task_signs_the_head(settings):
    from skillcert.core.tasks import audit_checkpoint_task

    entries = _write(2)
    assert audit_checkpoint_task.delay().get(timeout=5) == {"ok": True, "seq": entries[-1].seq}
    assert audit_checkpoint_task.delay().get(timeout=5) == {"ok": True, "seq": None}  # nothing new
    assert len(_checkpoint_lines(settings)) == 1


def test_create_key_command_makes_the_production_key_once(settings, tmp_path):
    import os

    settings.PRODUCTION = True
    settings.SKILLCERT_AUDIT_KEY = str(tmp_path / "prod" / "audit.key")
    with pytest.raises(RuntimeError, match="audit signing key missing"), transaction.atomic():
        _write(1)  # production never writes the audit log without its key
    call_command("audit_checkpoint", "--create-key")
    assert oct(os.stat(settings.SKILLCERT_AUDIT_KEY).st_mode & 0o777) == "0o600"
    with pytest.raises(CommandError, match="exists already"):
        call_command("audit_checkpoint", "--create-key")
    _write(1)
    assert audit.verify_chain().ok


def test_owner_check_is_silent_on_sqlite():
    from skillcert.core.checks import audit_table_owner_check

    if connection.vendor == "sqlite":
        assert audit_table_owner_check(None) == []


@pytest.mark.postgres
def test_postgres_trigger_refuses_truncate():
    need_postgres()
    _write(2)
    with connection.cursor() as cur:
        cur.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'core_auditentry_no_truncate'")
        assert cur.fetchone() == ("D",)  # made by the migration; switched off for flushes (tests/conftest.py)
        cur.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_no_truncate")  # as deployed
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"), transaction.atomic(), \
            connection.cursor() as cur:
        cur.execute("TRUNCATE core_auditentry")
    assert AuditEntry.objects.count() >= 2


@pytest.mark.postgres
def test_postgres_truncate_with_the_trigger_disabled_and_head_reset_is_detected():
    need_postgres()
    entries = _write(3)
    audit.checkpoint()
    with connection.cursor() as cur:  # a DBA who owns the table can switch the guard off
        cur.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_truncate")
        cur.execute("TRUNCATE core_auditentry")
        cur.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_no_truncate")
        cur.execute("UPDATE core_auditchainhead SET seq = 0, hash = %s WHERE id = 1", ("0" * 64,))
    report = audit.verify_chain()
    assert not report.ok and report.broken_seq == 1
    assert f"rows 1–{entries[-1].seq} are missing" in report.reason
    with pytest.raises(CommandError, match="BROKEN at row 1"):
        call_command("audit_verify")


@pytest.mark.postgres
def test_check_warns_when_the_application_role_owns_the_audit_table():
    need_postgres()
    from skillcert.core.checks import audit_table_owner_check

    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (superuser,) = cur.fetchone()
    ids = {w.id for w in audit_table_owner_check(None)}
    assert "core.W002" in ids  # the test role created the tables, so it owns them
    assert ("core.W003" in ids) == superuser
    # A role that neither owns the table nor is a superuser: no warning.
    with connection.cursor() as cur:
        cur.execute("CREATE ROLE skillcert_app_test NOSUPERUSER")
        cur.execute("SET ROLE skillcert_app_test")
        try:
            assert audit_table_owner_check(None) == []
        finally:
            cur.execute("RESET ROLE")
