import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from skillcert.accounts.enums import Role
from skillcert.accounts.models import RoleAssignment, User
from skillcert.core import audit


class Command(BaseCommand):
    help = ("Create the first platform administrator of a new installation. The password is read from "
            "SKILLCERT_ADMIN_PASSWORD or asked for; a TOTP device is enrolled at the first login.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--full-name", default="平台管理员")

    def handle(self, *args, username: str, full_name: str, **options):
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"user {username!r} already exists")
        password = os.environ.get("SKILLCERT_ADMIN_PASSWORD") or getpass.getpass("Password: ")
        candidate = User(username=username, full_name=full_name)
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        with transaction.atomic():
            user = User.objects.create_user(username, password, full_name=full_name)
            RoleAssignment.objects.create(user=user, role=Role.PLATFORM_ADMIN)
            audit.record(None, "accounts.user.bootstrapped", target=user, actor_label="create_platform_admin",
                         data={"role": Role.PLATFORM_ADMIN})
        self.stdout.write(self.style.SUCCESS(f"platform admin {username} created"))
