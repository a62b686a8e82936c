"""With REDIS_URL, Celery uses Redis as broker and result store, and Django uses it as cache.

The suite itself runs tasks inline; this test points the Celery app at the real Redis server,
starts a worker thread, and sends a real task through it.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import need

REDIS_URL = os.environ.get("SKILLCERT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url():
    need(_redis_up(), f"needs Redis at {REDIS_URL} (set SKILLCERT_TEST_REDIS_URL)")
    return REDIS_URL


@pytest.fixture
def _restore_celery_app():
    """start_worker makes its app the current and default one for the rest of the process: later tests in this
    worker (under pytest-xdist, any test) would send their tasks to Redis instead of running them inline."""
    from celery import _state

    current, default = _state.get_current_app(), _state.default_app
    yield
    current.set_current()
    _state.set_default_app(default)


@pytest.mark.redis
def test_django_cache_round_trip_through_redis(redis_url):
    from django.core.cache.backends.redis import RedisCache

    # One prefix per pytest-xdist worker (gw0, gw1, …): parallel runs never read each other's keys.
    cache = RedisCache(redis_url, {"KEY_PREFIX": f"skillcert-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"})
    cache.set("probe", {"考点": "崂山"}, 30)
    assert cache.get("probe") == {"考点": "崂山"}
    cache.delete("probe")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_celery_task_runs_on_a_worker_through_redis(redis_url, _restore_celery_app):
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    import skillcert.core.tasks  # noqa: F401 - registers the shared task

    app = Celery("skillcert-redis-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # Its own queue per pytest-xdist worker and process: a parallel run's worker never takes this task.
    queue = f"skillcert-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False,
                    task_default_queue=queue)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = app.tasks["core.audit_verify"].delay()
        assert result.get(timeout=20)["ok"] is True
        assert result.successful()
