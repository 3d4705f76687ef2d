"""Compact snapshots (issue 16): the full JSON payload of each stored evaluation is replaced by
per requirement rows [requirement, version, status, due, actual, target, deducted].

Existing rows are converted in place from their payload (same statuses, dates and figures), so
their fingerprints stay valid and nothing needs recomputing; the per-task detail they held is
computed again on demand like every other. Sealed evaluations are not affected: seals and
scorecards keep their own frozen payloads (apps/reports), never a Snapshot row."""

from django.db import migrations, models

COLUMNS = ("requirement", "version", "status", "due", "actual", "target", "deducted")

PG_CONVERT = """
UPDATE compliance_snapshot SET results = COALESCE((
    SELECT jsonb_agg(jsonb_build_array(r->'requirement', r->'version', r->'status', r->'due', r->'actual',
                                       r->'target', r->'deducted') ORDER BY n)
    FROM jsonb_array_elements(payload->'results') WITH ORDINALITY AS t(r, n)), '[]'::jsonb)
"""


def convert(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_CONVERT)
        return
    Snapshot = apps.get_model("compliance", "Snapshot")
    batch = []
    for snapshot in Snapshot.objects.only("id", "payload").iterator(chunk_size=2000):
        snapshot.results = [[r.get(c) for c in COLUMNS] for r in (snapshot.payload or {}).get("results", [])]
        batch.append(snapshot)
        if len(batch) >= 2000:
            Snapshot.objects.bulk_update(batch, ["results"])
            batch = []
    Snapshot.objects.bulk_update(batch, ["results"])


class Migration(migrations.Migration):

    dependencies = [
        ("compliance", "0005_chinese_field_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshot",
            name="results",
            field=models.JSONField(default=list, verbose_name="各项结果"),
        ),
        migrations.RunPython(convert, migrations.RunPython.noop),
        migrations.RemoveField(model_name="snapshot", name="payload"),
    ]
