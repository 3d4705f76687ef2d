# Chain the audit log (issue 14, tamper-evident security audit). Existing entries are chained in
# id order with the configured algorithm; their actor's username and role are filled in as they
# are today (the best the old rows allow).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def chain_existing(apps, schema_editor):
    from apps.core.audit import GENESIS, algorithm_setting, digest, canonical

    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    users = {u.pk: (u.username, getattr(u, "role", "")) for u in User.objects.all()}
    algorithm, prev, seq = algorithm_setting(), GENESIS, 0
    for entry in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        name, role = users.get(entry.actor_id, ("", ""))
        entry.seq, entry.actor_name, entry.role, entry.algorithm = seq, name, role or "", algorithm
        entry.prev_hash = prev
        entry.hash = prev = digest(algorithm, canonical(entry))
        entry.save(update_fields=["seq", "actor_name", "role", "algorithm", "prev_hash", "hash"])
    AuditChainHead.objects.create(id=1, seq=seq, hash=prev)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('seq', models.BigIntegerField(default=0)),
                ('hash', models.CharField(default='', max_length=64)),
            ],
            options={'verbose_name': '审计链头', 'verbose_name_plural': '审计链头'},
        ),
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='时间')),
                ('seq', models.BigIntegerField(unique=True, verbose_name='截至序号')),
                ('hash', models.CharField(max_length=64, verbose_name='截至摘要')),
                ('pruned', models.PositiveIntegerField(verbose_name='清理条数')),
                ('before', models.DateTimeField(verbose_name='清理早于')),
            ],
            options={'verbose_name': '审计清理检查点', 'verbose_name_plural': '审计清理检查点', 'ordering': ['-seq']},
        ),
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['-seq'], 'verbose_name': '审计日志', 'verbose_name_plural': '审计日志'},
        ),
        migrations.AddField(
            model_name='auditevent', name='actor_name',
            field=models.CharField(blank=True, max_length=150, verbose_name='操作人账号'),
        ),
        migrations.AddField(
            model_name='auditevent', name='role',
            field=models.CharField(blank=True, max_length=30, verbose_name='角色'),
        ),
        migrations.AddField(
            model_name='auditevent', name='source_ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='来源地址'),
        ),
        migrations.AddField(
            model_name='auditevent', name='target',
            field=models.CharField(blank=True, max_length=200, verbose_name='对象'),
        ),
        migrations.AddField(
            model_name='auditevent', name='result',
            field=models.CharField(choices=[('success', '成功'), ('failure', '失败')], default='success', max_length=10, verbose_name='结果'),
        ),
        migrations.AddField(model_name='auditevent', name='seq', field=models.BigIntegerField(null=True)),
        migrations.AddField(model_name='auditevent', name='algorithm', field=models.CharField(max_length=10, default='')),
        migrations.AddField(model_name='auditevent', name='prev_hash', field=models.CharField(max_length=64, default='')),
        migrations.AddField(model_name='auditevent', name='hash', field=models.CharField(max_length=64, null=True)),
        migrations.AlterField(
            model_name='auditevent', name='actor',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人'),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='auditevent', name='seq',
            field=models.BigIntegerField(unique=True, verbose_name='序号'),
        ),
        migrations.AlterField(
            model_name='auditevent', name='algorithm',
            field=models.CharField(max_length=10, verbose_name='摘要算法'),
        ),
        migrations.AlterField(
            model_name='auditevent', name='prev_hash',
            field=models.CharField(max_length=64, verbose_name='前一条摘要'),
        ),
        migrations.AlterField(
            model_name='auditevent', name='hash',
            field=models.CharField(max_length=64, unique=True, verbose_name='摘要'),
        ),
        migrations.AlterField(
            model_name='auditevent', name='action',
            field=models.CharField(db_index=True, max_length=50, verbose_name='操作'),
        ),
        migrations.AlterField(
            model_name='auditevent', name='at',
            field=models.DateTimeField(db_index=True, verbose_name='时间'),
        ),
        migrations.AlterField(
            model_name='auditevent', name='detail',
            field=models.JSONField(blank=True, default=dict, verbose_name='详情'),
        ),
        migrations.AlterField(
            model_name='auditevent', name='unit_code',
            field=models.CharField(blank=True, db_index=True, max_length=12, verbose_name='单位代码'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['actor', 'at'], name='core_audit_actor_at'),
        ),
    ]
