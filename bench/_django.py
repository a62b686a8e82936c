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
