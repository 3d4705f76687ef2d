from django.db import migrations, models


def renumber(apps, schema_editor):
    """Existing rows: number each unit's rows in their stored order (they were numbered per
    county), in one statement (a window function; PostgreSQL and SQLite ≥ 3.33 alike)."""
    table = schema_editor.quote_name(apps.get_model("compliance", "CountyOverdueRow")._meta.db_table)
    schema_editor.execute(
        f"UPDATE {table} SET position = numbered.n FROM (SELECT id, ROW_NUMBER() OVER ("  # noqa: S608
        f"PARTITION BY county_id, as_of, unit_code ORDER BY position) - 1 AS n FROM {table}) AS numbered "
        f"WHERE {table}.id = numbered.id")


def forget(apps, schema_editor):
    """Backwards: the rows are a cache of their reports; drop them and the reports' stamps (pages
    then compute those dates live, as after retention)."""
    apps.get_model("compliance", "CountyOverdueRow").objects.all().delete()
    apps.get_model("compliance", "CountyReport").objects.exclude(fingerprint="").update(fingerprint="")


class Migration(migrations.Migration):
    """``position`` numbers a unit's rows (a carried-over unit's rows are copied unchanged)."""

    dependencies = [
        ('compliance', '0009_snapshot_as_of_unit_index'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='countyoverduerow', name='uniq_overdue_row'),
        migrations.RunPython(renumber, forget),
        migrations.AddConstraint(
            model_name='countyoverduerow',
            constraint=models.UniqueConstraint(fields=('county', 'as_of', 'unit_code', 'position'),
                                               name='uniq_overdue_row_per_unit'),
        ),
    ]
