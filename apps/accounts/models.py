from functools import partial

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
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


# ------------------------------------------------------------------------------
# 等保 settings edited by the security administrator
# ------------------------------------------------------------------------------
def deployment_default(name: str):
    """The deployment's value (environment, config/settings.py) of a SecuritySettings field: what
    applies until the security administrator saves the settings, and the initial value of each
    field when they first do."""
    from django.conf import settings

    return {
        "password_min_length": lambda: settings.PASSWORD_MIN_LENGTH,
        "password_max_age_days": lambda: settings.PASSWORD_MAX_AGE_DAYS,
        "session_idle_timeout_minutes": lambda: settings.SESSION_IDLE_TIMEOUT_MINUTES,
        "session_absolute_hours": lambda: settings.SESSION_ABSOLUTE_HOURS,
        "lockout_failure_limit": lambda: settings.LOCKOUT_FAILURE_LIMIT,
        "lockout_minutes": lambda: settings.LOCKOUT_MINUTES,
        "mfa_required_roles": lambda: sorted(settings.MFA_REQUIRED_ROLES),
        "password_login_enabled": lambda: settings.PASSWORD_LOGIN_ENABLED,
        "pii_reveal_roles": lambda: sorted(settings.PII_REVEAL_ROLES),
        "audit_retention_days": lambda: settings.AUDIT_RETENTION_DAYS,
    }[name]()


def _bounds(low: int, high: int, low_message: str, high_message: str) -> list:
    return [MinValueValidator(low, low_message), MaxValueValidator(high, high_message)]


# Roles 「查看完整信息」 may be given to: roles that see records through grants (never the
# administrators, who reach no unit, nor "none").
PII_REVEAL_CHOICES = [(r.value, r.label) for r in (Role.COUNTY_OFFICIAL, Role.AUDITOR, Role.TOWNSHIP_STAFF)]


class SecuritySettings(models.Model):
    """The 等保 2.0 level-3 identity, session and audit settings, edited by the security
    administrator in /admin/ (三员分立: access.ROLE_MODEL_PERMISSIONS). One row (id 1), created on
    the first save; until then the deployment's values apply (``deployment_default``). Read only
    through ``apps.accounts.selectors.security_settings()``; written only through
    ``apps.accounts.services.security_settings_update``, which audits old and new values.

    The bounds keep the settings at or above the 等保 level-3 floors (GB/T 22239-2019 8.1.4.1 a/b,
    网络安全法 Art. 21 for the log): the field validators give the Chinese messages, the check
    constraints hold the floors even against a write that skips validation.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    password_min_length = models.PositiveSmallIntegerField(
        "密码最短长度（字符）", default=partial(deployment_default, "password_min_length"),
        validators=_bounds(8, 64, "密码最短长度不能少于 8 个字符（等保三级口令复杂度要求）", "密码最短长度不能超过 64 个字符"),
        help_text="8–64；另须包含大写字母、小写字母、数字、特殊字符中的至少 3 类")
    password_max_age_days = models.PositiveSmallIntegerField(
        "密码有效期（天）", default=partial(deployment_default, "password_max_age_days"),
        validators=_bounds(7, 180, "密码有效期不能少于 7 天", "密码有效期不能超过 180 天（等保三级要求定期更换口令）"),
        help_text="7–180；到期后须修改密码")
    session_idle_timeout_minutes = models.PositiveSmallIntegerField(
        "空闲超时（分钟）", default=partial(deployment_default, "session_idle_timeout_minutes"),
        validators=_bounds(5, 120, "空闲超时不能少于 5 分钟", "空闲超时不能超过 120 分钟（等保三级登录连接超时自动退出）"),
        help_text="5–120；无操作超过该时长自动退出")
    session_absolute_hours = models.PositiveSmallIntegerField(
        "会话最长有效期（小时）", default=partial(deployment_default, "session_absolute_hours"),
        validators=_bounds(1, 24, "会话最长有效期不能少于 1 小时", "会话最长有效期不能超过 24 小时"),
        help_text="1–24；登录后超过该时长须重新登录")
    lockout_failure_limit = models.PositiveSmallIntegerField(
        "登录失败锁定次数", default=partial(deployment_default, "lockout_failure_limit"),
        validators=_bounds(3, 10, "登录失败锁定次数不能少于 3 次", "登录失败锁定次数不能超过 10 次（等保三级登录失败处理）"),
        help_text="3–10；连续失败达到该次数即锁定")
    lockout_minutes = models.PositiveSmallIntegerField(
        "锁定时长（分钟）", default=partial(deployment_default, "lockout_minutes"),
        validators=_bounds(10, 1440, "锁定时长不能少于 10 分钟", "锁定时长不能超过 1440 分钟（24 小时）"),
        help_text="10–1440；锁定期间不能登录，安全管理员可提前解锁")
    mfa_required_roles = models.JSONField(
        "须双因素认证的角色", default=partial(deployment_default, "mfa_required_roles"), blank=True,
        help_text="三员（系统、安全、审计管理员）必须启用")
    password_login_enabled = models.BooleanField(
        "允许密码登录", default=partial(deployment_default, "password_login_enabled"),
        help_text="关闭后只能通过统一身份认证登录（须已配置统一身份认证）")
    pii_reveal_roles = models.JSONField(
        "可「查看完整信息」的角色", default=partial(deployment_default, "pii_reveal_roles"), blank=True,
        help_text="可查看身份证号、手机号全文的角色（须填写理由，逐次审计）")
    audit_retention_days = models.PositiveSmallIntegerField(
        "审计日志保存期限（天）", default=partial(deployment_default, "audit_retention_days"),
        validators=_bounds(180, 3650, "审计日志保存期限不能少于 180 天（网络安全法第二十一条）",
                           "审计日志保存期限不能超过 3650 天"),
        help_text="180–3650；早于该期限的审计日志由每日清理任务删除")
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(User, verbose_name="修改人", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)

    class Meta:
        verbose_name = "安全设置"
        verbose_name_plural = "安全设置"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="securitysettings_singleton"),
            models.CheckConstraint(condition=models.Q(password_min_length__gte=8), name="securitysettings_password_min"),
            models.CheckConstraint(condition=models.Q(password_max_age_days__range=(7, 180)),
                                   name="securitysettings_password_age"),
            models.CheckConstraint(condition=models.Q(session_idle_timeout_minutes__range=(5, 120)),
                                   name="securitysettings_idle"),
            models.CheckConstraint(condition=models.Q(session_absolute_hours__range=(1, 24)),
                                   name="securitysettings_absolute"),
            models.CheckConstraint(condition=models.Q(lockout_failure_limit__range=(3, 10)),
                                   name="securitysettings_lockout_limit"),
            models.CheckConstraint(condition=models.Q(lockout_minutes__gte=10), name="securitysettings_lockout_time"),
            models.CheckConstraint(condition=models.Q(audit_retention_days__gte=180),
                                   name="securitysettings_audit_retention"),
        ]

    def __str__(self) -> str:
        return "安全设置"

    def clean(self):
        from django.conf import settings

        errors = {}
        mfa = set(self.mfa_required_roles or [])
        if not mfa <= {r.value for r in ASSIGNED_ROLES}:
            errors["mfa_required_roles"] = "包含无效的角色"
        elif not {r.value for r in ADMIN_ROLES} <= mfa:
            errors["mfa_required_roles"] = "系统管理员、安全管理员、审计管理员必须启用双因素认证（等保三级）"
        if not set(self.pii_reveal_roles or []) <= {value for value, _ in PII_REVEAL_CHOICES}:
            errors["pii_reveal_roles"] = "只能选择县级管理员、审计员或乡镇填报员"
        if not self.password_login_enabled and not settings.OIDC_ENABLED:
            errors["password_login_enabled"] = "未配置统一身份认证，不能关闭密码登录（否则任何人都无法登录）"
        if errors:
            raise ValidationError(errors)
