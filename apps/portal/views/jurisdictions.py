"""The hierarchy import page (administrators). Here, not in apps/jurisdictions, because it asks
apps/accounts/access.py, which sits above the hierarchy."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from apps.accounts.access import Action, can_global
from apps.jurisdictions.services import import_jurisdictions


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV 文件", help_text="表头：code,name,level,parent_code,flags,tracking_start")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError("文件过大")
        return f


@login_required
def import_view(request):
    if not can_global(request.user, Action.ADMIN):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        result = import_jurisdictions(data=form.cleaned_data["file"].read(), actor=request.user)
        if result.ok:
            messages.success(request, f"导入完成：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}")
            return redirect("jurisdictions:import")
        errors = result.errors
        messages.error(request, f"导入失败：{len(errors)} 处错误，未保存任何数据")
    return render(request, "jurisdictions/import.html", {"form": form, "errors": errors})
