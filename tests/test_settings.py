"""Configuration from the environment (issue #2 §1): production mode is locked down, development needs nothing."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("SKILLCERT_") and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    base.update({"SKILLCERT_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=base, capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def production_env() -> dict[str, str]:
    return {"SKILLCERT_DEBUG": "0", "SKILLCERT_SECRET_KEY": secrets.token_urlsafe(64),
            "SKILLCERT_ALLOWED_HOSTS": "skillcert.example.org"}


def test_production_mode_passes_check_deploy_with_no_warnings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env()
    del env["SKILLCERT_SECRET_KEY"]
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SKILLCERT_SECRET_KEY must be set" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts(tmp_path):
    env = production_env()
    del env["SKILLCERT_ALLOWED_HOSTS"]
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SKILLCERT_ALLOWED_HOSTS" in result.stderr


def test_development_secret_key_is_generated_once_into_var(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = manage("shell", "-c", code, env={}, tmp_path=tmp_path)
    second = manage("shell", "-c", code, env={}, tmp_path=tmp_path)
    key_file = tmp_path / "var" / "secret_key"
    printed = [r.stdout.strip().splitlines()[-1] for r in (first, second)]
    assert printed[0] == printed[1] == key_file.read_text().strip()
    assert len(printed[0]) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_seed_demo_and_totp_code_are_refused_in_production(tmp_path):
    for command in (["seed_demo"], ["totp_code", "demo_body_admin"]):
        result = manage(*command, env=production_env(), tmp_path=tmp_path)
        assert result.returncode != 0
        assert "refused in production mode" in result.stderr


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_default_database_is_sqlite_in_wal_mode_under_var(tmp_path):
    code = ("from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
            "print(connection.vendor, c.fetchone()[0], connection.settings_dict['NAME'])")
    result = manage("shell", "-c", code, env={}, tmp_path=tmp_path)
    vendor, mode, name = result.stdout.strip().splitlines()[-1].split()
    assert (vendor, mode) == ("sqlite", "wal")
    assert name == str(tmp_path / "var" / "skillcert.sqlite3")


def test_redis_url_switches_celery_cache_and_sessions_to_redis(tmp_path):
    code = ("from django.conf import settings as s; print(s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND, "
            "s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)")
    result = manage("shell", "-c", code, env={"REDIS_URL": "redis://127.0.0.1:6379/3"}, tmp_path=tmp_path)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379/3", "False",
        "django.core.cache.backends.redis.RedisCache", "django.contrib.sessions.backends.cached_db"]


def test_tasks_run_inline_without_a_broker(db):
    from skillcert.core.tasks import audit_verify_task

    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert audit_verify_task.delay().get(timeout=5)["ok"] is True
