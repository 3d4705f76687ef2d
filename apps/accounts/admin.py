from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from apps.accounts import (
    admin_users,  # noqa: F401  (registers users, and the units with their users)
    selectors,
    services,
)
from apps.accounts.models import ASSIGNED_ROLES, PII_REVEAL_CHOICES, ApiToken, Role, SecuritySettings


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Create (the secret is shown once, on the page after saving) and revoke API tokens.

    Tokens are never edited or deleted: a revoked token stays listed, with who revoked it and when."""

    list_display = ("prefix", "name", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username")
    list_select_related = ("user",)
    actions = ["revoke"]
    readonly_fields = ("prefix", "user", "name", "created_at", "created_by", "expires_at", "last_used_at",
                       "revoked_at", "revoked_by")
    add_fields = ("user", "name", "expires_at")

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            original_clean = form.clean

            def clean(self):
                data = original_clean(self)
                expires_at = data.get("expires_at")
                if expires_at is not None and expires_at <= timezone.now():
                    raise ValidationError({"expires_at": "过期时间必须晚于现在"})
                return data

            form.clean = clean
        return form

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is editable
        issued = services.api_token_create(user=obj.user, name=obj.name, expires_at=obj.expires_at,
                                           actor=request.user)
        obj.pk, obj.prefix, obj.digest = issued.token.pk, issued.token.prefix, issued.token.digest
        request._issued_api_token = issued

    def log_addition(self, request, obj, message):
        return None  # audited by the service (apps.core.audit), with the token prefix

    def response_add(self, request, obj, post_url_continue=None):
        issued = request._issued_api_token
        context = {**self.admin_site.each_context(request), "token": issued.token, "secret": issued.secret,
                   "opts": self.model._meta}
        response = TemplateResponse(request, "admin/accounts/apitoken/created.html", context)
        # The page holds a secret: no browser or proxy cache may keep it.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        revoked = sum(services.api_token_revoke(token=t, actor=request.user) for t in queryset.select_related("user"))
        self.message_user(request, f"已吊销 {revoked} 个令牌。", messages.SUCCESS)


class SecuritySettingsForm(forms.ModelForm):
    mfa_required_roles = forms.MultipleChoiceField(
        label="须双因素认证的角色", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(r.value, r.label) for r in Role if r in ASSIGNED_ROLES],
        help_text="系统管理员、安全管理员、审计管理员必须启用")
    pii_reveal_roles = forms.MultipleChoiceField(
        label="可「查看完整信息」的角色", required=False, widget=forms.CheckboxSelectMultiple,
        choices=PII_REVEAL_CHOICES, help_text="可查看身份证号、手机号全文的角色（须填写理由，逐次审计）")

    class Meta:
        model = SecuritySettings
        fields = selectors.FIELDS


@admin.register(SecuritySettings)
class SecuritySettingsAdmin(admin.ModelAdmin):
    """One page, 安全设置: the security administrator edits it, the system and audit administrators
    may only read it (access.ROLE_MODEL_PERMISSIONS). Until the first save the form shows the
    deployment's values; saving goes through services.security_settings_update (bounds, audit)."""

    form = SecuritySettingsForm
    fieldsets = (
        ("身份鉴别", {"fields": ("password_min_length", "password_max_age_days", "password_login_enabled",
                                 "mfa_required_roles")}),
        ("登录失败处理", {"fields": ("lockout_failure_limit", "lockout_minutes")}),
        ("会话", {"fields": ("session_idle_timeout_minutes", "session_absolute_hours")}),
        ("个人信息保护", {"fields": ("pii_reveal_roles",)}),
        ("安全审计", {"fields": ("audit_retention_days",)}),
        ("修改记录", {"fields": ("updated_at", "updated_by")}),
    )
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request):
        return False  # one row, edited on its change page

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: the list is its page (change_view checks the permissions).
        return self.change_view(request, "1", extra_context=extra_context)

    def get_object(self, request, object_id, from_field=None):
        return selectors.security_settings_row() if str(object_id) == "1" else None

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in selectors.FIELDS if name in form.cleaned_data}
        try:
            changes = services.security_settings_update(actor=request.user, values=values)
        except ValidationError as exc:  # the form checked the same bounds: only a race gets here
            raise PermissionDenied(str(exc)) from exc
        request._security_settings_changes = changes

    def log_change(self, request, obj, message):
        return None  # audited by the service, with old and new values

    def response_change(self, request, obj):
        changes = getattr(request, "_security_settings_changes", {})
        labels = [str(SecuritySettings._meta.get_field(name).verbose_name) for name in changes]
        self.message_user(request, f"安全设置已保存：{'、'.join(labels)}" if labels else "安全设置未改动。",
                          messages.SUCCESS)
        return redirect(reverse("admin:accounts_securitysettings_change", args=["1"]))
