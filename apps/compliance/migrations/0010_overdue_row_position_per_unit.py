from django.db import migrations, models


def renumber(apps, schema_editor):
    """Existing rows: number each unit's rows in their stored order (they were numbered per county)."""
    CountyOverdueRow = apps.get_model("compliance", "CountyOverdueRow")
    rows = CountyOverdueRow.objects.order_by("county_id", "as_of", "position").values_list(
        "pk", "county_id", "as_of", "unit_code")
    changed, seen = [], {}
    for pk, county_id, as_of, unit_code in rows.iterator(chunk_size=5000):
        key = (county_id, as_of, unit_code)
        n = seen.get(key, 0)
        seen[key] = n + 1
        changed.append(CountyOverdueRow(pk=pk, position=n))
    CountyOverdueRow.objects.bulk_update(changed, ["position"], batch_size=2000)


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
