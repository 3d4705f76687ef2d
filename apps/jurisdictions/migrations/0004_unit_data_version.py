from django.db import migrations, models


class Migration(migrations.Migration):
    """The per-unit freshness stamp (docs/performance.md, "Freshness"). Existing rows start at 0:
    stored evaluations carry the older fingerprint format, so none is taken for current."""

    dependencies = [
        ("jurisdictions", "0003_chinese_field_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="data_version",
            field=models.PositiveBigIntegerField(default=0, editable=False, verbose_name="数据版本"),
        ),
    ]
