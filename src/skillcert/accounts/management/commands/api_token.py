from django.core.management.base import BaseCommand, CommandError

from skillcert.accounts.models import User
from skillcert.api.tokens import token_issue


class Command(BaseCommand):
    help = "Issue an API bearer token acting as USER (its roles and scope apply). Prints the token once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="supervising platform", help="what the token is for")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        self.stdout.write(token_issue(actor=None, user=user, name=name))
