from django.core.management.base import BaseCommand, CommandError

from skillcert.core.audit import verify_chain


class Command(BaseCommand):
    help = "Walk the hash-chained audit log and report the first broken row (§6.7.1). Exit code 1 if broken."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN at row {report.broken_seq}: {report.reason} "
                f"({report.checked} rows verified before it)"
            )
        self.stdout.write(self.style.SUCCESS(
            f"audit chain OK: {report.checked} rows, head #{report.head_seq} {report.head_hash}"
        ))
