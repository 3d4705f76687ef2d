# On PostgreSQL the database itself keeps the audit log append-only (issue 14): UPDATE is refused,
# DELETE is refused unless the pruning service has set ecp.audit_prune in its transaction AND the
# row is older than 180 days (网络安全法 Art. 21), so even a misconfigured retention setting cannot
# prune younger entries. Checkpoints are never changed; the chain head only moves forward.
# SQLite (the embedded default) has no such trigger; audit_verify still detects tampering there.

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND coalesce(current_setting('ecp.audit_prune', true), '') = 'on'
       AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '审计日志只允许追加：拒绝 % %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();

CREATE OR REPLACE FUNCTION core_audit_checkpoint_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计清理检查点不可修改或删除：拒绝 %', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditcheckpoint_frozen
    BEFORE UPDATE OR DELETE ON core_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION core_audit_checkpoint_frozen();

CREATE OR REPLACE FUNCTION core_audit_head_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq > OLD.seq THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '审计链头只能前进：拒绝 %', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditchainhead_forward
    BEFORE UPDATE OR DELETE ON core_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION core_audit_head_forward();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS core_auditchainhead_forward ON core_auditchainhead;
DROP TRIGGER IF EXISTS core_auditcheckpoint_frozen ON core_auditcheckpoint;
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_audit_head_forward();
DROP FUNCTION IF EXISTS core_audit_checkpoint_frozen();
DROP FUNCTION IF EXISTS core_audit_append_only();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: '%' in the SQL is literal
            cursor.execute(INSTALL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(UNINSTALL)


class Migration(migrations.Migration):

    dependencies = [("core", "0002_audit_chain")]

    operations = [migrations.RunPython(install, uninstall)]
