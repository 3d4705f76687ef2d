"""One nightly run per date (older duplicates merged into the latest), the watchdog's fields and
beat schedule, and the reminder outbox (ReminderSent becomes Reminder: rows already there were
sent)."""

import django.utils.timezone
from django.db import migrations, models

WATCHDOG = "夜间评估看门狗与提醒补发"


def merge_duplicate_runs(apps, schema_editor):
    EvaluationRun = apps.get_model("compliance", "EvaluationRun")
    CountyReport = apps.get_model("compliance", "CountyReport")
    dates = (EvaluationRun.objects.values("as_of").annotate(n=models.Count("id")).filter(n__gt=1)
             .values_list("as_of", flat=True))
    for as_of in list(dates):
        runs = list(EvaluationRun.objects.filter(as_of=as_of).order_by("-started_at", "-pk"))
        keep, drop = runs[0], [r.pk for r in runs[1:]]
        CountyReport.objects.filter(run_id__in=drop).update(run_id=keep.pk)
        EvaluationRun.objects.filter(pk__in=drop).delete()


def create_watchdog(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=WATCHDOG).exists():
        return
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.create(name=WATCHDOG, task="compliance.nightly_watchdog", interval=every,
                                description="补发未完成的县评估，关闭超时的夜间评估，重试发送失败的提醒")


def remove_watchdog(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=WATCHDOG).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_nightly_beat_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        # --- nightly run: one per date, watchdog fields
        migrations.AddField(
            model_name="evaluationrun", name="attempts",
            field=models.PositiveIntegerField(default=1, verbose_name="运行次数"),
        ),
        migrations.AddField(
            model_name="evaluationrun", name="requeued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="补发时间"),
        ),
        migrations.AlterField(
            model_name="evaluationrun", name="started_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="开始时间"),
        ),
        migrations.RunPython(merge_duplicate_runs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="evaluationrun",
            constraint=models.UniqueConstraint(fields=("as_of",), name="uniq_evaluation_run_as_of"),
        ),
        migrations.RunPython(create_watchdog, remove_watchdog),
        # --- reminder outbox
        migrations.RenameModel("ReminderSent", "Reminder"),
        migrations.AlterModelOptions(
            name="reminder", options={"verbose_name": "提醒发件箱", "verbose_name_plural": "提醒发件箱"},
        ),
        migrations.AlterField(
            model_name="reminder", name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="发送时间"),
        ),
        migrations.AddField(
            model_name="reminder", name="township_code", field=models.CharField(blank=True, max_length=12),
        ),
        migrations.AddField(
            model_name="reminder", name="line", field=models.TextField(blank=True, verbose_name="提醒内容"),
        ),
        migrations.AddField(
            model_name="reminder", name="created_at", field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="reminder", name="claimed_at", field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(model_name="reminder", name="claim", field=models.CharField(blank=True, max_length=32)),
        migrations.AddField(
            model_name="reminder", name="attempts",
            field=models.PositiveIntegerField(default=0, verbose_name="发送尝试"),
        ),
        migrations.AddField(
            model_name="reminder", name="last_error",
            field=models.CharField(blank=True, max_length=500, verbose_name="最近错误"),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(fields=["township_code", "sent_at"], name="reminder_pending_idx"),
        ),
    ]
