from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    COUNTY_OFFICIAL = "county_official", "县级管理员"
    TOWNSHIP_STAFF = "township_staff", "乡镇填报员"
    AUDITOR = "auditor", "审计员"
    ADMIN = "admin", "系统管理员"


class User(AbstractUser):
    """A portal user. What they may do where is granted per jurisdiction unit (see access.py)."""

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.TOWNSHIP_STAFF)
    full_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_portal_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN


class ApiToken(models.Model):
    """A machine credential for an integration (a provincial platform).

    Only the SHA-256 of the secret is stored: the secret is shown once, at creation. The secret
    carries 256 bits of randomness, so a fast hash is enough (a slow password hash protects
    guessable secrets, not random ones). ``prefix`` (the first characters of the secret) is
    stored in clear so an operator can tell tokens apart in the admin and in audit records.
    What the token may see and do is exactly what its owner's grants allow (access.py).
    Create and revoke only through apps.accounts.services, which audits both.
    """

    user = models.ForeignKey(User, verbose_name="所属用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100, help_text="例如：省级平台数据对接")
    prefix = models.CharField("前缀", max_length=16, unique=True, editable=False)
    digest = models.CharField("摘要 (SHA-256)", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        User, verbose_name="创建人", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField("过期时间", null=True, blank=True, help_text="留空表示不过期")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        User, verbose_name="吊销人", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_usable(self, now) -> bool:
        """Neither revoked nor expired at ``now`` (no query)."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
