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
