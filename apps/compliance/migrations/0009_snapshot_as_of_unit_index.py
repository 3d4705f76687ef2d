from django.db import migrations, models


class Migration(migrations.Migration):
    """The night's rows of a list of units by index range (models.Snapshot); the new index is
    built before the old one goes."""

    dependencies = [
        ('compliance', '0008_county_overdue_rows'),
        ('jurisdictions', '0004_unit_data_version'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='snapshot',
            index=models.Index(fields=['as_of', 'unit'], name='snapshot_as_of_unit_idx'),
        ),
        migrations.RemoveIndex(
            model_name='snapshot',
            name='compliance__as_of_bdd7d3_idx',
        ),
    ]
