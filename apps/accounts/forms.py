"""Forms of 用户管理 (county officials manage township and village staff accounts)."""

from __future__ import annotations

from django import forms

from apps.accounts import access
from apps.accounts.models import User
from apps.core.pii import is_valid_mobile, normalize_mobile


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class StaffAccountForm(forms.Form):
    username = forms.RegexField(label="用户名", max_length=150, regex=r"^[\w.@+-]+\Z",
                                error_messages={"invalid": "用户名只能包含字母、数字和 @/./+/-/_ 字符。"})
    full_name = forms.CharField(label="姓名", max_length=50)
    unit = UnitChoiceField(label="所属单位（乡镇或村）", queryset=None)
    mobile = forms.CharField(label="手机号", max_length=20, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)

    def __init__(self, *args, actor, instance: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["unit"].queryset = access.assignable_units(actor).order_by("code")
        if instance is not None:
            del self.fields["username"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("该用户名已被使用。")
        return username

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"]
        if mobile and not is_valid_mobile(mobile):
            raise forms.ValidationError("请输入 11 位手机号。")
        return normalize_mobile(mobile)
