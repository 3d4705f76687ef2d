from django.contrib.auth.models import AbstractUser
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.jurisdictions.models import Unit


class Role(models.TextChoices):
    COUNTY_OFFICIAL = "county_official", "县级管理员"
    TOWNSHIP_STAFF = "township_staff", "乡镇填报员"
    AUDITOR = "auditor", "审计员"
    # 三员分立 (GB/T 22239-2019 level 3, 8.1.4.2 访问控制 / 8.1.10 集中管控): three administrators
    # with separate powers. One role column means no account can hold two of them.
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"
    # No role yet (an account created by single sign-on, or by the system administrator before
    # the security administrator assigns one): reaches nothing, sees only 「尚未分配角色」.
    NONE = "none", "未分配角色"


# The older name of SYSTEM_ADMIN, kept for code written before 三员分立 (Django's choices refuse
# an enum alias, so it is attached after the class).
Role.ADMIN = Role.SYSTEM_ADMIN


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# The roles an account can hold that give it any power (every role but NONE).
ASSIGNED_ROLES = frozenset(r for r in Role if r != Role.NONE)


class User(AbstractUser):
    """A portal user. What they may do where is granted per jurisdiction unit (see access.py).

    The superuser flag means nothing here (has_perm below ignores it, access.py never reads it):
    what an administrator may change in /admin/ follows from the role alone (access.py
    ``ROLE_MODEL_PERMISSIONS``), and ``is_staff`` (may open /admin/) is derived from the role on
    every save.
    """

    # Least privilege by default: a new account has no role until the security administrator gives one.
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.NONE)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    mobile = models.CharField("手机号", max_length=20, blank=True)
    must_change_password = models.BooleanField(
        "下次登录须修改密码", default=False,
        help_text="由他人创建或重置密码的账号，首次登录时必须修改密码")
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True, editable=False)
    # The session of the account's latest login: one active session per account.
    current_session_key = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"),
        ]

    def save(self, *args, **kwargs):
        self.is_staff = self.role in ADMIN_ROLES
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff"}
        super().save(*args, **kwargs)

    # PermissionsMixin asks every auth backend and grants a superuser everything; here the role
    # alone decides (access.ROLE_MODEL_PERMISSIONS). Object permissions are access.py's business.
    def has_perm(self, perm, obj=None):
        from apps.accounts import access

        return obj is None and perm in access.model_permissions(self)

    def has_perms(self, perm_list, obj=None):
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label):
        from apps.accounts import access

        return any(p.startswith(f"{app_label}.") for p in access.model_permissions(self))

    def get_all_permissions(self, obj=None):
        from apps.accounts import access

        return set() if obj is not None else set(access.model_permissions(self))

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_portal_admin(self) -> bool:
        """The system administrator (units, users, the catalog), not the other two."""
        return self.role == Role.SYSTEM_ADMIN

    @property
    def is_admin_role(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def has_role(self) -> bool:
        return self.role != Role.NONE


class PasswordHistory(models.Model):
    """Hashes of a user's earlier passwords, so a new one can't repeat the last few."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


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


# ------------------------------------------------------------------------------
# Unit grants: django-guardian's direct foreign-key permission models for Unit
# ------------------------------------------------------------------------------
# https://django-guardian.readthedocs.io/en/stable/userguide/performance.html#direct-foreign-keys
# guardian's generic tables store the object's key as text, so every query joining grants to
# units had to cast one side. With a real foreign key a grant joins Unit like any other relation,
# and guardian's own assign_perm/remove_perm/get_objects_for_user find these models by themselves
# (the reverse relations below, guardian.utils.get_obj_perms_model). Only access.py uses them.
class UnitUserObjectPermission(UserObjectPermissionBase):
    """A user's grant over a unit (and so its subtree): one row per (user, permission, unit); the
    permission's codename is the user's role (access.GRANT_CODENAME)."""

    content_object = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE,
                                       related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "辖区授权"
        verbose_name_plural = "辖区授权"


class UnitGroupObjectPermission(GroupObjectPermissionBase):
    """A group's grant over a unit. The portal grants to users only; the model exists so that
    guardian never falls back to its generic table for a unit."""

    content_object = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE,
                                       related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "辖区组授权"
        verbose_name_plural = "辖区组授权"
