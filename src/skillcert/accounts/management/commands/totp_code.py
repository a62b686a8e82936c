from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from skillcert.accounts.authentication import current_code
from skillcert.accounts.models import TOTPDevice, User


class Command(BaseCommand):
    help = "Print a user's current TOTP code (development mode only), so the demo needs no authenticator app."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if settings.PRODUCTION:
            raise CommandError("totp_code is refused in production mode (SKILLCERT_DEBUG=0).")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if not TOTPDevice.objects.filter(user=user).exists():
            raise CommandError(f"{username} has no TOTP device yet (it is created at first login)")
        self.stdout.write(current_code(user))
