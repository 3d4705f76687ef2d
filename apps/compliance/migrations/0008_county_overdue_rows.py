"""The overdue rows of a county report become a table paginated in SQL (issue 16). Stored
reports' JSON rows are not copied: every report stored before the freshness stamp carries an
older fingerprint, so it is never taken for current and is computed again when viewed."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("compliance", "0007_snapshot_valid_until"),
        ("jurisdictions", "0004_unit_data_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="CountyOverdueRow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("as_of", models.DateField(verbose_name="评估日期")),
                ("position", models.PositiveIntegerField(verbose_name="序号")),
                ("unit_code", models.CharField(max_length=12, verbose_name="单位代码")),
                ("unit_name", models.CharField(max_length=100, verbose_name="单位名称")),
                ("requirement", models.CharField(max_length=60, verbose_name="要求编码")),
                ("requirement_title", models.TextField(verbose_name="要求")),
                ("due", models.DateField(blank=True, null=True, verbose_name="截止日期")),
                ("status", models.CharField(max_length=20, verbose_name="状态")),
                ("source", models.TextField(blank=True, verbose_name="依据")),
                ("missing", models.TextField(blank=True, verbose_name="缺失内容")),
                ("subject", models.TextField(blank=True, verbose_name="对象")),
                ("county", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                             to="jurisdictions.unit", verbose_name="县")),
            ],
            options={
                "verbose_name": "县逾期任务",
                "verbose_name_plural": "县逾期任务",
                "indexes": [models.Index(fields=["county", "as_of", "unit_code"], name="overdue_row_unit_idx"),
                            models.Index(fields=["as_of"], name="overdue_row_as_of_idx")],
                "constraints": [models.UniqueConstraint(fields=("county", "as_of", "position"),
                                                        name="uniq_overdue_row")],
            },
        ),
        migrations.RemoveField(model_name="countyreport", name="rows"),
    ]
