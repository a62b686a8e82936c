"""The audit chain becomes keyed (HMAC under the audit key) from this release on. Entries written before
carry plain SHA-256 hashes; this migration verifies them and signs a ``legacy`` checkpoint of their head
into the checkpoint file, so that verification accepts the plain hash up to that row — and only there:
the signed head hash pins every legacy row (a rewritten one would change it). §6.7.1, §10.9.

A database with no entries (a fresh install, the test database) writes nothing. A legacy chain that does not
verify is not signed: the migration says so and ``audit_verify`` reports the first broken row."""

from django.db import migrations

FIELDS = ("seq", "at", "actor_id", "actor_label", "org_id", "action", "target_type", "target_id",
          "target_label", "data", "ip", "outcome", "prev_hash", "hash")


def forward(apps, schema_editor):
    from skillcert.core import checkpoints
    from skillcert.core.audit import plain_hash
    from skillcert.core.models import GENESIS_HASH

    entry = apps.get_model("core", "AuditEntry")
    head = apps.get_model("core", "AuditChainHead").objects.filter(pk=1).values_list("seq", "hash").first()
    if head is None or head[0] == 0:
        return
    prev, expected = GENESIS_HASH, 1
    last = 0
    while True:
        rows = list(entry.objects.filter(seq__gt=last).order_by("seq").values(*FIELDS)[:5000])
        if not rows:
            break
        for row in rows:
            if row["seq"] != expected or row["prev_hash"] != prev or plain_hash(row) != row["hash"]:
                print(f"\n  audit chain BROKEN at row {expected} before keying: no legacy checkpoint signed; "
                      f"`manage.py audit_verify` will report it")
                return
            prev, expected = row["hash"], expected + 1
        last = rows[-1]["seq"]
    if (expected - 1, prev) != tuple(head):
        print(f"\n  audit chain ends at row {expected - 1} but the head records row {head[0]}: "
              f"no legacy checkpoint signed")
        return
    with checkpoints.locked() as handle:
        after = checkpoints.last()
        if after is not None and after.seq >= head[0]:
            return  # signed already (the migration was re-run)
        checkpoints.append(handle, after, kind="legacy", seq=head[0], head_hash=head[1], count=head[0])


class Migration(migrations.Migration):
    dependencies = [("core", "0005_audit_refuse_truncate")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
