"""System checks of the core (``manage.py check``)."""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError, connection


def audit_table_owner_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """core.W002 / core.W003: on PostgreSQL the append-only triggers of the audit table hold only against a
    role that cannot switch them off — its owner and a superuser can (``ALTER TABLE … DISABLE TRIGGER``,
    ``DROP TRIGGER``). Production runs the application as a role that neither owns the table nor is a
    superuser; migrations run as the owner (docs/operations.md, "The audit log"). §6.7.1, §10.9."""
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT current_user, t.tableowner, r.rolsuper FROM pg_tables t, pg_roles r "
                "WHERE t.schemaname = current_schema() AND t.tablename = 'core_auditentry' "
                "AND r.rolname = current_user")
            row = cur.fetchone()
    except DatabaseError:
        return []  # no database to ask (yet): nothing to say
    if row is None:
        return []  # not migrated yet
    user, owner, superuser = row
    found = []
    if user == owner:
        found.append(checks.Warning(
            f"The application's database role {user!r} owns the audit table core_auditentry: it can disable the "
            "append-only triggers and rewrite or truncate the audit log.",
            hint="Transfer the table to a separate migration role (ALTER TABLE core_auditentry OWNER TO …) and "
                 "grant the application role SELECT, INSERT only (docs/operations.md).",
            id="core.W002"))
    if superuser:
        found.append(checks.Warning(
            f"The application's database role {user!r} is a PostgreSQL superuser: it can disable the audit "
            "table's append-only triggers.",
            hint="Run the application as an ordinary role (docs/operations.md).", id="core.W003"))
    return found
