"""Audit log: the chain head row, and on PostgreSQL a trigger that refuses UPDATE and DELETE
on the audit table (§6.7.1). SQLite has no such guard; audit_verify still detects tampering."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION skillcert_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'core_auditentry is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION skillcert_audit_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS skillcert_audit_append_only();
"""


def forward(apps, schema_editor):
    apps.get_model("core", "AuditChainHead").objects.get_or_create(pk=1)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
