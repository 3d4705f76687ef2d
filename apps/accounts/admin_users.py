"""Users in /admin/, split by 三员分立 (access.ROLE_MODEL_PERMISSIONS decides who reaches the page):

* the system administrator creates accounts (a one-time password is shown once), edits names
  and contacts, deactivates, resets passwords, and uploads a user CSV (import_users);
* the security administrator changes roles and jurisdiction grants (unit autocomplete by code or
  name), unlocks locked-out accounts and resets MFA devices.

Every change goes through usermgmt.py / mfa.py, which audit it.
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from apps.accounts import access, importing, mfa, usermgmt
from apps.accounts.models import Role, User
from apps.accounts.passwords import password_set
from apps.core.audit import record_event
from apps.jurisdictions.admin import UnitAdmin as BaseUnitAdmin
from apps.jurisdictions.models import Unit

CONTACT_FIELDS = ("full_name", "mobile", "email")


def _is(request, role) -> bool:
    return request.user.role == role


class UnitsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class UserChangeForm(forms.ModelForm):
    # The autocomplete searches the unit admin (code or name); Unit.parent is only the relation
    # the widget needs to find that admin.
    units = UnitsField(label="辖区", queryset=Unit.objects.all(), required=False,
                       widget=AutocompleteSelectMultiple(Unit._meta.get_field("parent"), admin.site),
                       help_text="可授予一个或多个单位，含其下级全部单位。")

    class Meta:
        model = User
        fields = ("username", "full_name", "mobile", "email", "is_active", "must_change_password", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "units" in self.fields:
            self.fields["units"].initial = list(Unit.objects.filter(
                code__in=[g.code for g in access.grants(self.instance)]))

    def clean(self):
        data = super().clean()
        role = data.get("role", self.instance.role)
        if data.get("units") and role not in access.GRANT_CODENAME:
            self.add_error("units", f"{Role(role).label}不分配辖区。")
        return data


class UserAddForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("username", "full_name", "mobile", "email")


class AdminSetPasswordForm(AdminPasswordChangeForm):
    """A password set by an administrator must be changed by the user at next login (audited)."""

    def save(self, commit=True):
        if self.cleaned_data.get("set_usable_password", True) is False:
            return super().save(commit)
        with transaction.atomic():
            password_set(user=self.user, raw_password=self.cleaned_data["password1"], by_self=False)
            record_event(actor=self.actor, action="accounts.password_reset", username=self.user.username)
        return self.user


class ImportForm(forms.Form):
    file = forms.FileField(label="用户 CSV 文件",
                           help_text="表头：username,full_name,role,unit_code,mobile,email；UTF-8 或 GB18030 编码")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserAddForm
    change_password_form = AdminSetPasswordForm
    list_display = ("username", "full_name", "role", "jurisdiction", "is_active", "must_change_password",
                    "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name", "email")
    ordering = ("username",)
    add_fieldsets = ((None, {"fields": ("username", "full_name", "mobile", "email"),
                             "description": "保存后显示一次性初始密码；角色和辖区由安全管理员分配。"}),)
    actions = ["deactivate", "reset_password", "reset_mfa", "unlock"]
    change_list_template = "admin/accounts/user/change_list.html"

    # -- what each administrator sees and may change -------------------------------------------
    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return (
            ("账号", {"fields": ("username", "full_name", "mobile", "email", "is_active",
                                 "must_change_password")}),
            ("角色与辖区（安全管理员）", {"fields": ("role", "units")}),
            ("记录", {"fields": ("last_login", "date_joined", "password_changed_at")}),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        always = ("last_login", "date_joined", "password_changed_at")
        if _is(request, Role.SECURITY_ADMIN):
            return (*always, "username", "full_name", "mobile", "email", "is_active", "must_change_password")
        return (*always, "role", "units")

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            readonly = set(self.get_readonly_fields(request, obj))
            kwargs["fields"] = [f for f in (*UserChangeForm.Meta.fields, "units") if f not in readonly]
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "units" in self.get_readonly_fields(request, obj):
            # A declared field stays on a ModelForm even when not listed: drop it, or saving the
            # form would read "no units" and revoke every grant.
            form.base_fields.pop("units", None)
        return form

    @admin.display(description="辖区")
    def jurisdiction(self, obj):
        return "、".join(access.unit_names_of([obj])[obj.pk]) or "—"

    units = jurisdiction  # shown read-only to the system administrator

    # -- writes: through usermgmt, audited ---------------------------------------------------
    def save_model(self, request, obj, form, change):
        if not change:
            created = usermgmt.user_create(actor=request.user, username=obj.username, role=obj.role,
                                           full_name=obj.full_name, mobile=obj.mobile, email=obj.email)
            obj.pk = created.user.pk
            request._initial_password = created.password
            return
        changed = [f for f in form.changed_data if f not in ("role", "units")]
        if "role" in form.changed_data:
            new_role = obj.role
            obj.role = form.initial["role"]
            usermgmt.user_set_role(actor=request.user, user=obj, role=new_role)
        if changed:
            obj.save(update_fields=changed)
            record_event(actor=request.user, action="accounts.user_changed", username=obj.username, fields=changed)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "units" in form.fields and "units" in form.changed_data:
            usermgmt.user_set_grants(actor=request.user, user=form.instance, units=form.cleaned_data["units"])

    def log_addition(self, request, obj, message):
        return None  # audited by usermgmt

    def log_change(self, request, obj, message):
        return None

    def response_add(self, request, obj, post_url_continue=None):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "rows": [(obj.username, request._initial_password)]}
        response = TemplateResponse(request, "admin/accounts/user/passwords.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def user_change_password(self, request, id, form_url=""):
        if not _is(request, Role.SYSTEM_ADMIN):
            raise PermissionDenied
        self.change_password_form = type("BoundForm", (AdminSetPasswordForm,), {"actor": request.user})
        return super().user_change_password(request, id, form_url)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit log keeps naming the account

    # -- actions ------------------------------------------------------------------------------
    def get_actions(self, request):
        actions = super().get_actions(request)
        allowed = {Role.SYSTEM_ADMIN: {"deactivate", "reset_password"},
                   Role.SECURITY_ADMIN: {"reset_mfa", "unlock"}}.get(request.user.role, set())
        return {name: a for name, a in actions.items() if name in allowed}

    @admin.action(description="停用所选账号")
    def deactivate(self, request, queryset):
        done = sum(usermgmt.user_set_active(actor=request.user, user=u, active=False) for u in queryset)
        self.message_user(request, f"已停用 {done} 个账号。", messages.SUCCESS)

    @admin.action(description="重置密码（生成一次性密码）")
    def reset_password(self, request, queryset):
        rows = [(u.username, usermgmt.user_reset_password(actor=request.user, user=u)) for u in queryset]
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "rows": rows}
        response = TemplateResponse(request, "admin/accounts/user/passwords.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="重置双因素认证设备")
    def reset_mfa(self, request, queryset):
        for user in queryset:
            mfa.devices_reset(user=user, actor=request.user)
        self.message_user(request, f"已重置 {queryset.count()} 个账号的双因素认证设备，用户下次登录时重新绑定。",
                          messages.SUCCESS)

    @admin.action(description="解锁所选账号（登录失败锁定）")
    def unlock(self, request, queryset):
        for user in queryset:
            axes_reset(username=user.username)
            record_event(actor=request.user, action="accounts.unlocked", username=user.username)
        self.message_user(request, f"已解锁 {queryset.count()} 个账号。", messages.SUCCESS)

    # -- CSV upload: the same import as `manage.py import_users` -------------------------------
    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="accounts_user_import"),
                *super().get_urls()]

    def import_view(self, request):
        if not (_is(request, Role.SYSTEM_ADMIN) and self.has_add_permission(request)):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        result = None
        if form.is_valid():
            result = importing.import_users(data=form.cleaned_data["file"].read(), actor=request.user)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "result": result, "title": "导入用户"}
        response = TemplateResponse(request, "admin/accounts/user/import.html", context)
        response["Cache-Control"] = "no-store"
        return response


admin.site.unregister(Unit)


@admin.register(Unit)
class UnitAdmin(BaseUnitAdmin):
    """The unit page also lists the accounts granted on the unit."""

    readonly_fields = ("granted_users",)

    @admin.display(description="本单位用户")
    def granted_users(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        users = access.users_granted_on(obj)
        return format_html_join("、", '<a href="{}">{}（{}）</a>', (
            (reverse("admin:accounts_user_change", args=[u.pk]), u.display_name, u.get_role_display())
            for u in users)) or "—"
