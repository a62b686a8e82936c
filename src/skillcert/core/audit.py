"""Writing and verifying the hash-chained audit log.

``record()`` is called by services inside the transaction of the change it records::

    audit.record(actor, "certificates.certificate.revoked", target=cert, data={"reason": reason})

If the transaction rolls back, the entry goes with it; if the entry cannot be written, the
change does not happen.

Every writer locks the chain head until its transaction commits, so the head serialises audited
transactions. A hot path that does its work and then commits wraps the work in ``with audit.deferred():``:
its entries are appended together when the block ends, and the head is held only from then to the commit.

The hashes are keyed (HMAC-SHA256 under the audit key, kept outside the database) and the head is signed
into an append-only checkpoint file every ``SKILLCERT_AUDIT_CHECKPOINT_EVERY`` entries, after the commit
(``checkpoints.py``): rows rewritten with recomputed hashes, rows cut from the end and a truncated table all
fail ``verify_chain()`` (§6.7.1, §10.9).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction

from . import checkpoints
from .context import get_client_ip
from .models import GENESIS_HASH, AuditChainHead, AuditEntry, AuditOutcome

logger = logging.getLogger(__name__)

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
    """The entry's hash: HMAC-SHA256 under the audit key, so that nobody without the key can make one."""
    return checkpoints.keyed_hash(canonical_bytes(values))


def plain_hash(values: dict[str, Any]) -> str:
    """The unkeyed SHA-256 that entries written before the chain was keyed carry (up to the ``legacy``
    checkpoint); anyone can compute it, so it is accepted nowhere else."""
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
        every = settings.SKILLCERT_AUDIT_CHECKPOINT_EVERY
        if every > 0 and seq // every > (seq - len(rows)) // every:
            _checkpoint_on_commit()
    return rows


def _checkpoint_on_commit() -> None:
    """Sign a checkpoint once this transaction commits (one per transaction, however many entries it adds)."""
    if not any(entry[1] is _checkpoint_after_commit for entry in connection.run_on_commit):
        transaction.on_commit(_checkpoint_after_commit)


def _checkpoint_after_commit() -> None:
    """The change is committed already: a checkpoint that cannot be written is logged, never raised."""
    try:
        checkpoint()
    except Exception:
        logger.exception("audit checkpoint not written")


class ChainBroken(Exception):
    """The chain does not verify: no checkpoint is signed over it."""

    def __init__(self, report: ChainReport):
        super().__init__(report.describe())
        self.report = report


def checkpoint() -> checkpoints.Checkpoint | None:
    """Verify the rows added since the last checkpoint and sign the current head into the checkpoint file
    (None when nothing was added). Raises ``ChainBroken`` instead of signing a chain that does not verify,
    and ``checkpoints.CheckpointError`` when the file's last line was altered."""
    with checkpoints.locked() as handle:
        last = checkpoints.last()
        head_seq, head_hash = _head()
        if head_seq == 0 or (last is not None and (last.seq, last.hash) == (head_seq, head_hash)):
            return None
        if last is None:
            report = verify_chain(use_checkpoints=False)
        else:
            report = _verify_segment(last, head_seq, head_hash)
        if not report.ok:
            raise ChainBroken(report)
        return checkpoints.append(handle, last, kind="checkpoint", seq=head_seq, head_hash=head_hash,
                                  count=head_seq)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0
    last_checkpoint: str = ""
    checkpoint_line: int | None = None

    def describe(self) -> str:
        if self.ok:
            return f"audit chain OK: {self.checked} rows, head #{self.head_seq} {self.head_hash}"
        where = (f"row {self.broken_seq}" if self.broken_seq is not None
                 else f"checkpoint file line {self.checkpoint_line}")
        return f"audit chain BROKEN at {where}: {self.reason} ({self.checked} rows verified before it)"


def _rows(after: int = 0, upto: int | None = None, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """The chain in seq order, as plain dicts (no model instances: verification reads every row)."""
    last = after
    fields = (*CANONICAL_FIELDS, "hash")
    while True:
        query = AuditEntry.objects.filter(seq__gt=last)
        if upto is not None:
            query = query.filter(seq__lte=upto)
        rows = list(query.order_by("seq").values(*fields)[:chunk])
        if not rows:
            return
        yield from rows
        last = rows[-1]["seq"]


@dataclass
class _Walk:
    """Rows after ``seq`` checked: contiguous, linked, each hash right (plain up to ``legacy_until``)."""

    seq: int
    hash: str
    legacy_until: int = 0
    checked: int = 0
    broken_seq: int | None = None
    reason: str = ""

    def run(self, upto: int | None = None, pins: dict[int, list[checkpoints.Checkpoint]] | None = None) -> bool:
        for row in _rows(self.seq, upto):
            expected = self.seq + 1
            if row["seq"] != expected:
                return self._fail(expected, f"row {expected} is missing (next row found is {row['seq']})")
            if row["prev_hash"] != self.hash:
                return self._fail(expected, "prev_hash does not match the hash of the row before it")
            if expected <= self.legacy_until:
                if plain_hash(row) != row["hash"]:
                    return self._fail(expected, "content does not match its hash (row altered)")
            elif compute_hash(row) != row["hash"]:
                if plain_hash(row) == row["hash"]:
                    return self._fail(expected, "its hash is a plain SHA-256, not keyed with the audit key: "
                                                "the row was rewritten outside the application")
                return self._fail(expected, "content does not match its keyed hash (row altered or forged)")
            for cp in (pins or {}).get(expected, ()):
                if cp.hash != row["hash"]:
                    return self._fail(expected, f"hash differs from the signed checkpoint of {cp.at} "
                                                f"(checkpoint line {cp.number}): the chain was rewritten")
            self.seq, self.hash = expected, row["hash"]
            self.checked += 1
        return True

    def _fail(self, seq: int, reason: str) -> bool:
        self.broken_seq, self.reason = seq, reason
        return False


def _head() -> tuple[int, str]:
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return head or (0, GENESIS_HASH)


def verify_chain(*, use_checkpoints: bool = True) -> ChainReport:
    """Walk the chain from the first row, against the signed checkpoints; report the first row where it
    breaks (or the first bad line of the checkpoint file)."""
    head_seq, head_hash = _head()
    cps: list[checkpoints.Checkpoint] = []
    if use_checkpoints:
        try:
            cps = checkpoints.read()
        except checkpoints.CheckpointError as exc:
            return ChainReport(False, 0, head_seq, head_hash, None, str(exc), checkpoint_line=exc.line)
    pins: dict[int, list[checkpoints.Checkpoint]] = {}
    for cp in cps:
        pins.setdefault(cp.seq, []).append(cp)
    legacy_until = max((cp.seq for cp in cps if cp.kind == "legacy"), default=0)
    final = cps[-1] if cps else None
    last_text = f"line {final.number}: row {final.seq} at {final.at}" if final else ""
    walk = _Walk(0, GENESIS_HASH, legacy_until)

    def broken(seq: int, reason: str) -> ChainReport:
        return ChainReport(False, walk.checked, head_seq, head_hash, seq, reason, len(cps), last_text)

    if not walk.run(pins=pins):
        return broken(walk.broken_seq, walk.reason)
    checked = walk.checked
    if final is not None and checked < final.seq:
        return broken(checked + 1, f"rows {checked + 1}–{final.seq} are missing: the signed checkpoint of "
                                   f"{final.at} (line {final.number}) records {final.count} rows up to row "
                                   f"{final.seq}, the table ends at row {checked} (rows deleted or truncated)")
    if checked != head_seq or walk.hash != head_hash:
        return broken(min(checked, head_seq) + 1 if checked != head_seq else checked,
                      f"chain ends at row {checked} but the head records row {head_seq}")
    return ChainReport(True, checked, head_seq, head_hash, checkpoints=len(cps), last_checkpoint=last_text)


def _verify_segment(last: checkpoints.Checkpoint, head_seq: int, head_hash: str) -> ChainReport:
    """The rows after the last checkpoint, for signing the next one (the full walk is ``verify_chain``)."""
    walk = _Walk(last.seq, last.hash)

    def broken(seq: int, reason: str) -> ChainReport:
        return ChainReport(False, walk.checked, head_seq, head_hash, seq, reason)

    row = AuditEntry.objects.filter(seq=last.seq).values_list("hash", flat=True).first()
    if row != last.hash:
        return broken(last.seq, f"row {last.seq} is missing or differs from the last signed checkpoint")
    if head_seq < last.seq:
        return broken(head_seq + 1, f"the head (row {head_seq}) is behind the last signed checkpoint "
                                    f"(row {last.seq})")
    if not walk.run(upto=head_seq):
        return broken(walk.broken_seq, walk.reason)
    if walk.seq != head_seq or walk.hash != head_hash:
        return broken(walk.seq + 1, f"chain ends at row {walk.seq} but the head records row {head_seq}")
    return ChainReport(True, walk.checked, head_seq, head_hash)
