"""A scratch PostgreSQL database for the benchmarks that need one (BENCH_DATABASE_URL, or one created here)."""

from __future__ import annotations

import os

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def scratch_database(name: str) -> str | None:
    """BENCH_DATABASE_URL when given (must be PostgreSQL), else database ``name`` (re)created on the local server;
    None (and a printed reason) when there is no server."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        os.environ["BENCH_DATABASE_URL_GIVEN"] = "1"
        return url if url.startswith(("postgres://", "postgresql://")) else None
    try:
        import psycopg

        with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    except Exception as exc:  # no server: say so and skip
        print(f"skipped: no PostgreSQL ({exc.__class__.__name__}: {exc})")
        return None
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    os.environ["BENCH_DATABASE_URL"] = url
    return url


def drop_scratch(name: str) -> None:
    """Drop the database created by ``scratch_database`` (never one named by BENCH_DATABASE_URL)."""
    if not os.environ.get("BENCH_DATABASE_URL_GIVEN"):
        import psycopg

        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
