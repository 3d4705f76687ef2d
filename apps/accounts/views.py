"""Login, password change, TOTP set-up and check, session status. Thin: the work is in
passwords.py, mfa.py and controls.py."""

from __future__ import annotations

import io
import time

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from apps.accounts import controls, mfa
from apps.accounts.passwords import password_expired, password_set
from apps.accounts.selectors import security_settings


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reason"] = controls.REASONS.get(self.request.GET.get("reason", ""), "")
        context["PASSWORD_LOGIN_ENABLED"] = security_settings().password_login_enabled
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_done")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["forced"] = user.must_change_password
        context["expired"] = not user.must_change_password and password_expired(user)
        context["next"] = _safe_next(self.request, "")
        return context

    def form_valid(self, form):
        user = form.user
        password_set(user=user, raw_password=form.cleaned_data["new_password1"], by_self=True)  # audited
        update_session_auth_hash(self.request, user)
        # The session key was cycled: it stays this account's one active session.
        controls.claim_session(self.request, user)
        next_url = _safe_next(self.request, "")
        if next_url:
            messages.success(self.request, "密码已修改。")
            return redirect(next_url)
        return redirect(self.get_success_url())


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


class TokenForm(forms.Form):
    token = forms.CharField(label="验证码", max_length=16,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@never_cache
@login_required
def mfa_check(request):
    """Set up the authenticator (first time) or check a code; then continue to ``next``."""
    user = request.user
    next_url = _safe_next(request, "/")
    if user.is_verified():
        return redirect(next_url)
    device = mfa.confirmed_totp(user)
    form = TokenForm(request.POST or None)
    if device is None:
        pending = mfa.pending_totp(user)
        if form.is_valid():
            enrolment = mfa.totp_confirm(request=request, device=pending, token=form.cleaned_data["token"])
            if enrolment is not None:
                response = render(request, "accounts/mfa_recovery_codes.html",
                                  {"codes": enrolment.recovery_codes, "next": next_url})
                return response
            form.add_error("token", "验证码不正确，请核对手机时间后重试。")
        return render(request, "accounts/mfa_setup.html", {
            "form": form, "secret": mfa.base32_secret(pending), "qr": _qr_svg(pending.config_url),
            "next": next_url})
    if form.is_valid():
        if mfa.verify(request=request, token=form.cleaned_data["token"]):
            return redirect(next_url)
        form.add_error("token", "验证码不正确或已使用。")
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def recovery_codes(request):
    """Regenerate the recovery codes (the old ones stop working)."""
    if request.method == "POST" and request.user.is_verified():
        codes = mfa.recovery_codes_regenerate(user=request.user)
        return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": "/"})
    return redirect("portal:home")


@never_cache
def session_status(request):
    """Seconds left before the idle timeout, for the warning script (does not count as activity)."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False, "idle_seconds_left": 0})
    idle = security_settings().session_idle_timeout_minutes * 60
    left = idle - (int(time.time()) - request.session.get(controls.LAST_SEEN, int(time.time()))) if idle else None
    return JsonResponse({"authenticated": True, "idle_seconds_left": left,
                         "warning_seconds": settings.SESSION_IDLE_WARNING_MINUTES * 60})


@never_cache
@login_required
def session_keepalive(request):
    """「继续使用」 on the idle warning: any request counts as activity (controls.py)."""
    return JsonResponse({"ok": True})
