from django.conf import settings
from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """The one append-only security audit log (等保 2.0 level 3, 安全审计; 网络安全法 Art. 21).

    Written only through ``apps.core.audit.record_event``. Entries form a hash chain: ``hash`` is
    the digest (SM3 by default, see ``AUDIT_HASH_ALGORITHM``) of the entry's canonical content,
    which includes ``prev_hash``, the hash of the entry before it (``seq - 1``). Changing, deleting
    or inserting a row breaks the chain, which ``manage.py audit_verify`` reports. On PostgreSQL a
    trigger refuses UPDATE, and DELETE of anything younger than the retention floor (migration
    0003). The actor is kept as an id plus a username snapshot without a foreign-key constraint:
    deleting a user must neither rewrite nor be blocked by the log.
    """

    class Result(models.TextChoices):
        SUCCESS = "success", "成功"
        FAILURE = "failure", "失败"

    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    role = models.CharField("角色", max_length=30, blank=True)
    source_ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    action = models.CharField("操作", max_length=50, db_index=True)
    unit_code = models.CharField("单位代码", max_length=12, blank=True, db_index=True)
    target = models.CharField("对象", max_length=200, blank=True)
    result = models.CharField("结果", max_length=10, choices=Result.choices, default=Result.SUCCESS)
    detail = models.JSONField("详情", default=dict, blank=True)
    algorithm = models.CharField("摘要算法", max_length=10)
    prev_hash = models.CharField("前一条摘要", max_length=64)
    hash = models.CharField("摘要", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-seq"]
        indexes = [models.Index(fields=["actor", "at"], name="core_audit_actor_at")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.unit_code}"


class AuditChainHead(models.Model):
    """The single row naming the last entry of the chain. Appends lock it (SELECT ... FOR UPDATE)
    so concurrent writers queue instead of forking the chain, and advance it with a conditional
    update (``seq`` unchanged since read) as a second guard where row locks do not exist (SQLite)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}…"


class AuditCheckpoint(models.Model):
    """Written when entries past retention are pruned: the last pruned entry's ``seq`` and
    ``hash``, so the chain still verifies from the first kept entry. Append-only like the log."""

    created_at = models.DateTimeField("时间", auto_now_add=True)
    seq = models.BigIntegerField("截至序号", unique=True)
    hash = models.CharField("截至摘要", max_length=64)
    pruned = models.PositiveIntegerField("清理条数")
    before = models.DateTimeField("清理早于")

    class Meta:
        verbose_name = "审计清理检查点"
        verbose_name_plural = "审计清理检查点"
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}…"
