"""Schedule the daily retention task for personal data (issue 17; PeriodicTask, editable by
administrators in the admin → 周期任务). The task name is apps.evidence.tasks.erase_expired_pii."""

from django.db import migrations

NAME = "每日删除离任离队超过保存期限人员的身份证号和手机号"
TASK = "evidence.erase_expired_pii"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    # 04:40 China time: after the nightly evaluation (02:30) and the audit pruning (04:10).
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="40", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.create(
        name=NAME, task=TASK, crontab=schedule,
        description="删除离任/离队超过 PII_RETENTION_YEARS（默认 3 年）人员的身份证号和手机号（姓名和日期保留）",
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0005_encrypt_personal_data"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
