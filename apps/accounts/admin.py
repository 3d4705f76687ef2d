from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone

from apps.accounts import (
    admin_users,  # noqa: F401  (registers users, and the units with their users)
    services,
)
from apps.accounts.models import ApiToken


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
