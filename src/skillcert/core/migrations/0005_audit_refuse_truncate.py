"""On PostgreSQL the audit table also refuses TRUNCATE (a statement-level trigger; the row triggers of 0002
do not fire on TRUNCATE), §6.7.1, §10.9."""

from django.db import migrations

PG_FORWARD = """
CREATE TRIGGER core_auditentry_no_truncate
    BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION skillcert_audit_append_only();
"""
PG_REVERSE = "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_job")]
    operations = [migrations.RunPython(forward, reverse)]
