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
