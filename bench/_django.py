"""Shared bootstrap for the benchmarks: Django on a throw-away database, DEBUG off."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("SKILLCERT_VAR_DIR", tempfile.mkdtemp(prefix="skillcert-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
# Never the configured database: benchmarks write thousands of append-only rows.
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False  # as in production: no per-query debug logging


def admin_and_body():
    """A platform admin and one certification body, created the way the console does it."""
    from skillcert.accounts import services as accounts
    from skillcert.accounts.enums import OrgKind, Role
    from skillcert.accounts.models import RoleAssignment, User

    admin = User.objects.create_user("bench_admin", None, full_name="基准管理员")
    RoleAssignment.objects.create(user=admin, role=Role.PLATFORM_ADMIN)
    body = accounts.organisation_create(actor=admin, kind=OrgKind.BODY, name="基准评价机构", region_code="370212",
                                        cert_type_letter="S", institution_code="2087", province_code="37",
                                        institution_serial="000318")
    return admin, body
