"""The audit chain's key and its signed checkpoints, both kept outside the database (§6.7.1, §10.9).

Someone who can write the database could otherwise rewrite the audit table and recompute every hash, or
truncate it and move the chain head back. Two things close that:

* **Keyed hashes.** Each entry's hash is an HMAC-SHA256 under a key derived from the audit key
  (``settings.SKILLCERT_AUDIT_KEY``, an Ed25519 private key in a 0600 file, never in the database). Without
  the key a rewritten row cannot be given a valid hash.
* **Signed checkpoints.** Every ``SKILLCERT_AUDIT_CHECKPOINT_EVERY`` entries (after the commit), on schedule
  (Celery beat ``core.audit_checkpoint``), after a successful ``audit_verify`` and on ``manage.py
  audit_checkpoint``, the head (sequence number, hash, row count, time) is signed with the audit key and
  appended to ``settings.SKILLCERT_AUDIT_CHECKPOINTS`` (``var/audit/checkpoints.jsonl``). Each line also
  carries the SHA-256 of the line before it, so a line cannot be edited, removed or reordered unseen.
  A chain that ends before the last checkpoint was cut (deletion at the end, TRUNCATE).

One line of the file::

    {"at": "…Z", "count": 1200, "hash": "<head hash>", "key": "<key id>", "kind": "checkpoint",
     "prev": "<SHA-256 of the previous line>", "seq": 1200, "sig": "<Ed25519, base64url>", "v": 1}

The signature covers ``SIGNING_PREFIX`` followed by the line's JSON without ``sig`` (keys sorted,
separators ``,`` and ``:``, non-ASCII kept as UTF-8). ``export_bundle()`` gives the supervising authority
the lines and the public key, which is all it needs to check them (``verify_bundle()``).

A line of kind ``legacy`` marks rows written before the chain was keyed (plain SHA-256): rows up to its
``seq`` are checked with the plain hash, and its signed head hash pins them (migration 0005).
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from .signing import b64, ed25519_key, public_bytes, unb64

FORMAT = "skillcert-audit-checkpoints/1"
SIGNING_PREFIX = b"skillcert-audit-checkpoint-v1\n"
HMAC_LABEL = b"skillcert audit chain v1"
FIRST_PREV = "0" * 64


class CheckpointError(Exception):
    """The checkpoint file is unreadable, altered or out of order (``line`` names the first bad line)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class AuditKey:
    path: Path
    private: Ed25519PrivateKey
    hmac_key: bytes
    public: bytes
    key_id: str


_cache: dict[tuple[str, int, int], AuditKey] = {}
_lock = threading.Lock()


def audit_key(path: str | Path | None = None) -> AuditKey:
    """The audit key (created with mode 0600 on first use outside production; production refuses to write
    the audit log without it). Cached until the file changes: ``record()`` asks for it on every append."""
    path = Path(path or settings.SKILLCERT_AUDIT_KEY)
    try:
        stat = path.stat()
    except FileNotFoundError:
        stat = None
    if stat is not None:
        cached = _cache.get((str(path), stat.st_mtime_ns, stat.st_size))
        if cached is not None:
            return cached
    with _lock:
        private = ed25519_key(path, "audit")
        stat = path.stat()
        raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        public = public_bytes(private)
        key = AuditKey(path, private, hmac.new(raw, HMAC_LABEL, hashlib.sha256).digest(), public,
                       hashlib.sha256(public).hexdigest()[:16])
        _cache.clear()
        _cache[(str(path), stat.st_mtime_ns, stat.st_size)] = key
        return key


def keyed_hash(data: bytes) -> str:
    return hmac.new(audit_key().hmac_key, data, hashlib.sha256).hexdigest()


def _message(fields: dict[str, Any]) -> bytes:
    body = {k: v for k, v in fields.items() if k != "sig"}
    return SIGNING_PREFIX + json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _line_hash(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    number: int  # line number in the file, from 1
    kind: str
    seq: int
    hash: str
    count: int
    at: str
    raw: str


def parse_lines(lines: list[str], public: bytes) -> list[Checkpoint]:
    """Check every line's signature and its link to the line before; raise at the first bad line."""
    verifier = Ed25519PublicKey.from_public_bytes(public)
    prev, out = FIRST_PREV, []
    for number, line in enumerate(lines, start=1):
        try:
            fields = json.loads(line)
            sig = unb64(fields["sig"])
            cp = Checkpoint(number, str(fields["kind"]), int(fields["seq"]), str(fields["hash"]),
                            int(fields["count"]), str(fields["at"]), line)
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"checkpoint line {number} is unreadable ({exc})", number) from None
        try:
            verifier.verify(sig, _message(fields))
        except InvalidSignature:
            raise CheckpointError(f"checkpoint line {number} was altered or not signed with the audit key "
                                  f"(signature does not verify)", number) from None
        if fields.get("prev") != prev:
            raise CheckpointError(f"checkpoint line {number} does not follow line {number - 1} "
                                  f"(a line was removed, inserted or reordered)", number)
        if out and (cp.seq < out[-1].seq or cp.count < out[-1].count):
            raise CheckpointError(f"checkpoint line {number} goes back to row {cp.seq} after row {out[-1].seq}",
                                  number)
        prev = _line_hash(line)
        out.append(cp)
    return out


def _path(path: str | Path | None = None) -> Path:
    return Path(path or settings.SKILLCERT_AUDIT_CHECKPOINTS)


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        raise CheckpointError(f"{path}: the last line is incomplete", text.count("\n") + 1)
    return text.splitlines()


def read(path: str | Path | None = None) -> list[Checkpoint]:
    """Every checkpoint in the file, verified (an empty list when there is no file yet)."""
    return parse_lines(_read_lines(_path(path)), audit_key().public)


def last(path: str | Path | None = None) -> Checkpoint | None:
    """The last checkpoint, its signature checked (not the whole file: ``read()`` does that). Reads only the
    end of the file, so a writer appending every N entries does not reread years of lines."""
    path = _path(path)
    if not path.exists():
        return None
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        block = 4096
        while True:
            start = max(0, size - block)
            fh.seek(start)
            tail = fh.read()
            if not tail:
                return None
            if not tail.endswith(b"\n"):
                raise CheckpointError(f"{path}: the last line is incomplete")
            lines = tail[:-1].split(b"\n")
            if len(lines) > 1 or start == 0:
                break
            block *= 4
    raw = lines[-1].decode("utf-8")
    try:
        fields = json.loads(raw)
        cp = Checkpoint(0, str(fields["kind"]), int(fields["seq"]), str(fields["hash"]), int(fields["count"]),
                        str(fields["at"]), raw)
        Ed25519PublicKey.from_public_bytes(audit_key().public).verify(unb64(fields["sig"]), _message(fields))
    except (ValueError, KeyError, TypeError, InvalidSignature):
        raise CheckpointError(f"{path}: the last checkpoint line was altered or is unreadable") from None
    return cp


def now_text() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Locked:
    """The checkpoint file opened for appending under an exclusive lock (one writer across processes)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)

    def append(self, fields: dict[str, Any], prev: str) -> str:
        key = audit_key()
        fields = {"v": 1, **fields, "key": key.key_id, "prev": prev}
        fields["sig"] = b64(key.private.sign(_message(fields)))
        line = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        os.write(self.fd, (line + "\n").encode())
        os.fsync(self.fd)
        return line


def locked(path: str | Path | None = None) -> _Locked:
    return _Locked(_path(path))


def append(handle: _Locked, after: Checkpoint | None, *, kind: str, seq: int, head_hash: str,
           count: int) -> Checkpoint:
    """Sign and append one line after ``after`` (the last line, read under the same lock)."""
    prev = _line_hash(after.raw) if after else FIRST_PREV
    line = handle.append({"kind": kind, "seq": seq, "hash": head_hash, "count": count, "at": now_text()}, prev)
    return Checkpoint(0, kind, seq, head_hash, count, json.loads(line)["at"], line)


def public_pem() -> str:
    return audit_key().private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def export_bundle(path: str | Path | None = None) -> dict[str, Any]:
    """What the supervising authority needs to check the checkpoints: the lines as written and the public key."""
    key = audit_key()
    lines = _read_lines(_path(path))
    parse_lines(lines, key.public)  # never export a file that does not verify
    pem = public_pem()
    return {
        "format": FORMAT,
        "exported_at": now_text(),
        "algorithm": "Ed25519",
        "key_id": key.key_id,
        "public_key": b64(key.public),
        "public_key_pem": pem,
        "signed_message": "the UTF-8 bytes of " + json.dumps(SIGNING_PREFIX.decode()) + " followed by the "
                          "line's JSON without \"sig\" (keys sorted, separators ',' and ':', non-ASCII as UTF-8); "
                          "sig is the Ed25519 signature, base64url without padding",
        "line_chain": "prev is the SHA-256 (hex) of the previous line's UTF-8 bytes; 64 zeros on the first line",
        "meaning": "seq/hash: the audit chain's head (row number and hash) when signed; count: rows in the chain; "
                   "kind legacy: rows up to seq were hashed before the chain was keyed",
        "checkpoints": lines,
    }


def verify_bundle(bundle: dict[str, Any]) -> list[Checkpoint]:
    """Check an exported bundle with nothing but its public key; raise CheckpointError at the first bad line."""
    if bundle.get("format") != FORMAT:
        raise CheckpointError(f"not a {FORMAT} bundle")
    return parse_lines(list(bundle["checkpoints"]), base64.urlsafe_b64decode(
        bundle["public_key"] + "=" * (-len(bundle["public_key"]) % 4)))
