import time

from django.core.management.base import BaseCommand

from skillcert.delivery import services


class Command(BaseCommand):
    help = "Mark absentees, finalise attempts whose deadline passed and close finished rooms (once, or --loop)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="repeat until stopped")
        parser.add_argument("--every", type=float, default=5.0, help="seconds between runs with --loop")

    def handle(self, *args, loop: bool, every: float, **options):
        while True:
            done = services.tick()
            if any(done.values()) or not loop:
                self.stdout.write(f"absent {done['absent']}, finalised {done['finalised']}, closed {done['closed']}")
            if not loop:
                return
            time.sleep(every)
