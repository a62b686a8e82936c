"""Rotate the item key (§7.3.2, §10.9): add a new key, re-seal everything sealed under the ring — item versions
and attachments, sealed paper documents and practical code maps — then (with --retire) drop the old keys.

    manage.py rotate_item_key            # add a key and re-seal everything
    manage.py rotate_item_key --retire   # … and remove the old keys once nothing uses them

Which tables are sealed is declared by the models themselves (``SEALED_FIELDS``, read by
``core.crypto.sealed_tables``), so this command — in core, below every domain app — names none of them and
cannot miss one an app adds later (issue #21 item 4).

Re-sealing changes only the ciphertext, nonce and key id; the plaintext (and its digest) stays the same,
so item versions remain what papers reference. Each chunk is re-sealed in its own transaction; a rerun
picks up what is left, so an interrupted rotation is safe to repeat.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from skillcert.core import audit, crypto

CHUNK = 500


def reseal(model, ring: crypto.KeyRing, stdout=None, key_field: str = "key_id", blob_field: str = "sealed") -> int:
    done = 0
    while True:
        with transaction.atomic():
            rows = list(model.objects.select_for_update().exclude(**{key_field: ring.active_id})
                        .exclude(**{key_field: ""}).order_by("pk")[:CHUNK])
            if not rows:
                return done
            for row in rows:
                plain = ring.open(getattr(row, key_field), bytes(getattr(row, blob_field)), row.aad())
                key_id, blob = ring.seal(plain, row.aad())
                setattr(row, key_field, key_id)
                setattr(row, blob_field, blob)
            model.objects.bulk_update(rows, [key_field, blob_field])
        done += len(rows)
        if stdout:
            stdout.write(f"  {model.__name__}: {done} re-sealed")


class Command(BaseCommand):
    help = "Add a new item key, re-seal all sealed content under it, optionally retire the old keys."

    def add_arguments(self, parser):
        parser.add_argument("--retire", action="store_true", help="remove old keys once nothing is sealed with them")
        parser.add_argument("--no-new-key", action="store_true",
                            help="do not add a key; finish re-sealing under the current active key")

    def handle(self, *args, retire: bool, no_new_key: bool, **options):
        old = crypto.keyring()
        new_id = old.active_id if no_new_key else crypto.add_key()
        ring = crypto.keyring()
        self.stdout.write(f"active key: {ring.active_id}")
        # Nothing may be left behind when old keys are retired, or it could never be opened again.
        sealed = crypto.sealed_tables()
        counts = {m.__name__: reseal(m, ring, self.stdout, key, blob) for m, key, blob in sealed}
        retired: list[str] = []
        if retire:
            still = set().union(*(m.objects.exclude(**{key: ""}).values_list(key, flat=True).distinct()
                                  for m, key, _blob in sealed))
            if still - {ring.active_id}:
                raise CommandError(f"content is still sealed with {sorted(still - {ring.active_id})}; not retiring")
            retired = crypto.retire_keys({ring.active_id})
        with transaction.atomic():
            audit.record(None, "itembank.key.rotated", actor_label="rotate_item_key",
                         data={"active": new_id, "resealed": counts, "retired": retired})
        self.stdout.write(self.style.SUCCESS(f"re-sealed {counts}; retired {retired or 'none'}"))
