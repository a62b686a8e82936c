"""Sign a checkpoint of the audit chain's head, export the checkpoints for the supervising authority, or
create the audit key (§6.7.1, §10.9; docs/operations.md "The audit log")."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skillcert.core import audit, checkpoints


class Command(BaseCommand):
    help = ("Verify the audit entries added since the last checkpoint and append a signed checkpoint of the head "
            "to SKILLCERT_AUDIT_CHECKPOINTS; --export FILE writes the checkpoints and the public key for the "
            "supervising authority; --create-key creates the audit key (production).")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--export", metavar="FILE",
                            help="write the verified checkpoints and the public key as JSON ('-' for stdout)")
        parser.add_argument("--create-key", action="store_true",
                            help="create the audit key at SKILLCERT_AUDIT_KEY (mode 0600) if it does not exist")
        parser.add_argument("--public-key", action="store_true", help="print the audit key's public key (PEM)")

    def handle(self, *args, **options):
        if options["create_key"]:
            return self._create_key()
        if options["public_key"]:
            self.stdout.write(self._pem())
            return
        try:
            if options["export"]:
                return self._export(options["export"])
            written = audit.checkpoint()
        except (audit.ChainBroken, checkpoints.CheckpointError) as exc:
            raise CommandError(str(exc)) from None
        if written is None:
            self.stdout.write("nothing new since the last checkpoint")
        else:
            self.stdout.write(self.style.SUCCESS(f"checkpoint signed: row {written.seq} {written.hash}"))

    def _create_key(self):
        from django.conf import settings
        from django.test.utils import override_settings

        path = Path(settings.SKILLCERT_AUDIT_KEY)
        if path.exists():
            raise CommandError(f"{path} exists already: the audit key is never replaced (old rows would fail)")
        with override_settings(PRODUCTION=False):  # the loader creates keys only outside production
            key = checkpoints.audit_key(path)
        self.stdout.write(self.style.SUCCESS(f"audit key created: {path} (key id {key.key_id})"))

    def _pem(self) -> str:
        return checkpoints.public_pem().strip()

    def _export(self, target: str) -> None:
        from django.db import transaction

        bundle = checkpoints.export_bundle()
        text = json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
        with transaction.atomic():
            audit.record(None, "core.audit.checkpoints_exported", actor_label="audit_checkpoint",
                         data={"checkpoints": len(bundle["checkpoints"]), "key_id": bundle["key_id"],
                               "to": target})
        if target == "-":
            self.stdout.write(text, ending="")
        else:
            Path(target).write_text(text, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(
                f"{len(bundle['checkpoints'])} checkpoints and the public key written to {target}"))
