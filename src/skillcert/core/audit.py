"""Writing and verifying the hash-chained audit log.

``record()`` is called by services inside the transaction of the change it records::

    audit.record(actor, "certificates.certificate.revoked", target=cert, data={"reason": reason})

If the transaction rolls back, the entry goes with it; if the entry cannot be written, the
change does not happen.

Every writer locks the chain head until its transaction commits, so the head serialises audited
transactions. A hot path that does its work and then commits wraps the work in ``with audit.deferred():``:
its entries are appended together when the block ends, and the head is held only from then to the commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction

from .context import get_client_ip
from .models import GENESIS_HASH, AuditChainHead, AuditEntry, AuditOutcome

CANONICAL_FIELDS = (
    "seq", "at", "actor_id", "actor_label", "org_id", "action", "target_type", "target_id",
    "target_label", "data", "ip", "outcome", "prev_hash",
)


def normalise_data(data: Any) -> Any:
    """JSON round-trip so that what is hashed is exactly what the database gives back."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def _format_at(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(values: dict[str, Any]) -> bytes:
    payload = [values[f] if f != "at" else _format_at(values[f]) for f in CANONICAL_FIELDS]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(values)).hexdigest()


def entry_values(entry: AuditEntry) -> dict[str, Any]:
    return {f: getattr(entry, f) for f in CANONICAL_FIELDS}


def changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"old": .., "new": ..}}`` for the fields whose value differs."""
    return {k: {"old": old.get(k), "new": new.get(k)} for k in new if old.get(k) != new.get(k)}


def record_changes(actor: Any, action: str, *, target: Any, before: dict[str, Any], after: dict[str, Any],
                   extra: dict[str, Any] | None = None) -> AuditEntry | None:
    """Record ``{"changes": {field: {"old", "new"}}}`` — nothing when nothing changed."""
    diff = {**changes(before, after), **(extra or {})}
    return record(actor, action, target=target, data={"changes": diff}) if diff else None


def _describe_target(target: Any) -> tuple[str, str, str, int | None]:
    if target is None:
        return "", "", "", None
    meta = getattr(target, "_meta", None)
    ttype = f"{meta.app_label}.{meta.model_name}" if meta else type(target).__name__.lower()
    org_id = getattr(target, "audit_org_id", None)
    return ttype, str(getattr(target, "pk", "")), str(target)[:200], org_id


def _lock_head() -> tuple[int, str]:
    """Lock the chain head row (created on first use) and return its (seq, hash)."""
    locked = AuditChainHead.objects.select_for_update().filter(pk=1).values_list("seq", "hash")
    head = locked.first()
    if head is None:
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(pk=1)
        except IntegrityError:
            pass  # created by a concurrent writer
        head = locked.get()
    return head


_pending: ContextVar[list[dict[str, Any]] | None] = ContextVar("audit_pending", default=None)


@contextmanager
def deferred():
    """Inside a transaction: entries recorded in the block are appended to the chain when it ends (in that
    transaction, in order). If the block raises, they are dropped with the transaction's work. Not for a block
    that catches the failure of a nested savepoint: its entries would be written all the same."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.deferred() needs a transaction")
    token = _pending.set([])
    try:
        yield
        pending = _pending.get()
    finally:
        _pending.reset(token)
    if pending:
        _append(pending)


def record(actor: Any, action: str, *, target: Any = None, data: dict | None = None,
           outcome: str = AuditOutcome.SUCCESS, org_id: int | None = None, ip: str | None = None,
           actor_label: str | None = None) -> AuditEntry | None:
    """Append one entry to the chain, in the caller's transaction (None when deferred: written at the end of
    the ``deferred()`` block)."""
    from django.utils import timezone

    ttype, tid, tlabel, target_org = _describe_target(target)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    if org_id is None:
        org_id = target_org if target_org is not None else getattr(actor, "organisation_id", None) if is_user else None
    if actor_label is None:
        actor_label = actor.get_username() if is_user else ""
    values = {
        "at": timezone.now().astimezone(dt.UTC),
        "actor_id": actor.pk if is_user else None,
        "actor_label": actor_label[:150],
        "org_id": org_id,
        "action": action,
        "target_type": ttype,
        "target_id": tid,
        "target_label": tlabel,
        "data": normalise_data(data),
        "ip": ip if ip is not None else get_client_ip(),
        "outcome": str(outcome),
    }
    pending = _pending.get()
    if pending is not None:
        pending.append(values)
        return None
    return _append([values])[0]


def _append(entries: list[dict[str, Any]]) -> list[AuditEntry]:
    """Lock the head, chain the entries on, move the head. No savepoint: if the entries cannot be written,
    the caller's whole transaction must fail."""
    with transaction.atomic(savepoint=False):
        seq, prev = _lock_head()
        rows = []
        for values in entries:
            seq += 1
            values = {**values, "seq": seq, "prev_hash": prev}
            prev = compute_hash(values)
            rows.append(AuditEntry(hash=prev, **values))
        AuditEntry.objects.bulk_create(rows)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return rows


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""


def _rows(chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """The chain in seq order, as plain dicts (no model instances: verification reads every row)."""
    last = 0
    fields = (*CANONICAL_FIELDS, "hash")
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq").values(*fields)[:chunk])
        if not rows:
            return
        yield from rows
        last = rows[-1]["seq"]


def verify_chain() -> ChainReport:
    """Walk the chain from the first row; report the first row where it breaks."""
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0

    def broken(seq: int, reason: str) -> ChainReport:
        return ChainReport(False, checked, head_seq, head_hash, seq, reason)

    for row in _rows():
        if row["seq"] != expected_seq:
            return broken(expected_seq, f"row {expected_seq} is missing (next row found is {row['seq']})")
        if row["prev_hash"] != prev_hash:
            return broken(row["seq"], "prev_hash does not match the hash of the row before it")
        if compute_hash(row) != row["hash"]:
            return broken(row["seq"], "content does not match its hash (row altered)")
        prev_hash = row["hash"]
        expected_seq += 1
        checked += 1
    if checked != head_seq or prev_hash != head_hash:
        return broken(min(checked, head_seq) + 1 if checked != head_seq else checked,
                      f"chain ends at row {checked} but the head records row {head_seq}")
    return ChainReport(True, checked, head_seq, head_hash)
