from django.core.management.base import BaseCommand, CommandError

from skillcert.accounts.models import ApiToken, User
from skillcert.accounts.tokens import token_issue, token_revoke


class Command(BaseCommand):
    help = ("Issue an API bearer token acting as USER (its roles and scope apply) and print it once; "
            "or list a user's tokens; or revoke one by its number.")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--name", default="supervising platform", help="what the token is for")
        parser.add_argument("--list", dest="list_tokens", action="store_true",
                            help="list USER's tokens instead of issuing one")
        parser.add_argument("--revoke", type=int, metavar="NUMBER", help="revoke the token with this number")

    def handle(self, *args, username: str | None, name: str, list_tokens: bool, revoke: int | None, **options):
        if revoke is not None:
            if not token_revoke(actor=None, token_id=revoke):
                raise CommandError(f"no active token number {revoke}")
            self.stdout.write(f"token {revoke} revoked")
            return
        user = User.objects.filter(username=username).first() if username else None
        if user is None:
            raise CommandError(f"no user {username!r}")
        if list_tokens:
            for t in ApiToken.objects.filter(user=user).order_by("pk"):
                state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
                used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                self.stdout.write(f"{t.pk:>5}  {t.name:<30} {state:<20} last used {used}")
            return
        self.stdout.write(token_issue(actor=None, user=user, name=name))
