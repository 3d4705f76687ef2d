"""Incremental nights (issue 16): each snapshot records the first date on which its evaluation may
change without new evidence (rules.valid_until; null: never). Existing rows get null but are never
carried over: their fingerprint (a county's hash) is not a unit stamp ("<catalog key>:<unit data
version>", selectors.unit_stamps), so each unit is evaluated again once."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("compliance", "0006_compact_snapshots")]

    operations = [
        migrations.AddField(
            model_name="snapshot",
            name="valid_until",
            field=models.DateField(blank=True, null=True, verbose_name="有效至"),
        ),
    ]
