from django.core.management.base import BaseCommand, CommandError

from skillcert.core.audit import ChainBroken, checkpoint, verify_chain
from skillcert.core.checkpoints import CheckpointError


class Command(BaseCommand):
    help = ("Walk the hash-chained audit log against its signed checkpoints and report the first broken row "
            "(§6.7.1, §10.9); then sign a checkpoint of the verified head. Exit code 1 if broken.")

    def add_arguments(self, parser):
        parser.add_argument("--no-checkpoint", action="store_true",
                            help="only verify; do not append a signed checkpoint of the head")

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(report.describe())
        self.stdout.write(self.style.SUCCESS(report.describe()))
        self.stdout.write(f"signed checkpoints: {report.checkpoints}"
                          + (f", last {report.last_checkpoint}" if report.last_checkpoint else ""))
        if options["no_checkpoint"]:
            return
        try:
            written = checkpoint()
        except (ChainBroken, CheckpointError) as exc:  # the chain changed under us since the walk
            raise CommandError(f"checkpoint not written: {exc}") from None
        if written is not None:
            self.stdout.write(f"checkpoint signed: row {written.seq} {written.hash}")
