"""用户管理: a county official creates, edits, deactivates and resets the password of township and
village staff accounts inside the county. access.py decides who may manage whom; usermgmt.py
writes and audits. Accounts outside the official's reach are 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.accounts import access, usermgmt
from apps.accounts.forms import StaffAccountForm
from apps.accounts.models import Role, User
from apps.core.pii import mask_mobile


def _require_manager(user):
    if not access.may_manage_users(user):
        raise PermissionDenied("您无权管理用户")


def _managed_or_404(actor, pk: int) -> User:
    user = access.manageable_users(actor).filter(pk=pk).first()
    if user is None:
        raise Http404("用户不存在或不在您的管辖范围内")
    return user


@login_required
def user_list(request):
    _require_manager(request.user)
    users = list(access.manageable_users(request.user).order_by("username"))
    units = access.unit_names_of(users)
    rows = [{"user": u, "units": units.get(u.pk, []), "mobile": mask_mobile(u.mobile) if u.mobile else ""}
            for u in users]
    return render(request, "accounts/users/list.html", {"rows": rows})


@never_cache
@login_required
def user_create(request):
    _require_manager(request.user)
    form = StaffAccountForm(request.POST or None, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = usermgmt.user_create(
                actor=request.user, username=data["username"], role=Role.TOWNSHIP_STAFF, units=[data["unit"]],
                full_name=data["full_name"], mobile=data["mobile"], email=data["email"])
        except IntegrityError:
            form.add_error("username", "该用户名已被使用。")
        else:
            return render(request, "accounts/users/password.html", {"account": created.user,
                                                                    "password": created.password, "created": True})
    return render(request, "accounts/users/form.html", {"form": form, "title": "新建账号"})


@never_cache
@login_required
def user_edit(request, pk: int):
    _require_manager(request.user)
    account = _managed_or_404(request.user, pk)
    granted = access.grants(account)
    initial = {"full_name": account.full_name, "mobile": account.mobile, "email": account.email,
               "unit": access.assignable_units(request.user).filter(code__in=[g.code for g in granted]).first()}
    form = StaffAccountForm(request.POST or None, actor=request.user, instance=account, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        usermgmt.user_update(actor=request.user, user=account, full_name=data["full_name"], mobile=data["mobile"],
                             email=data["email"])
        usermgmt.user_set_grants(actor=request.user, user=account, units=[data["unit"]])
        messages.success(request, f"已保存账号 {account.username}。")
        return redirect("accounts:users")
    return render(request, "accounts/users/form.html", {"form": form, "account": account,
                                                        "title": f"编辑账号 {account.username}"})


@require_POST
@login_required
def user_set_active(request, pk: int):
    _require_manager(request.user)
    account = _managed_or_404(request.user, pk)
    active = request.POST.get("active") == "1"
    usermgmt.user_set_active(actor=request.user, user=account, active=active)
    messages.success(request, f"已{'启用' if active else '停用'}账号 {account.username}。")
    return redirect("accounts:users")


@never_cache
@require_POST
@login_required
def user_reset_password(request, pk: int):
    _require_manager(request.user)
    account = _managed_or_404(request.user, pk)
    password = usermgmt.user_reset_password(actor=request.user, user=account)
    return render(request, "accounts/users/password.html", {"account": account, "password": password})
