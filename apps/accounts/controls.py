"""等保 2.0 level-3 session and identity controls, applied to every request of a logged-in user.

In this order (each a 安全设置 value read through apps.accounts.selectors.security_settings(), which
the security administrator edits; the deployment's settings are the defaults; docs/accounts.md):

1. one active session per account: a login elsewhere ends this one (SESSION_ONE_PER_ACCOUNT);
2. absolute lifetime after login (SESSION_ABSOLUTE_HOURS) and idle timeout (SESSION_IDLE_TIMEOUT_MINUTES);
3. a password set by someone else, or expired (PASSWORD_MAX_AGE_DAYS), must be changed first;
4. a role in MFA_REQUIRED_ROLES must pass a TOTP check (set one up at first login);
5. an account with no role (Role.NONE: created by single sign-on, or not yet given a role by the
   security administrator) is refused every page, API call and export with one Chinese page
   (403), whatever access.py would answer: it can only log out or change its own password.

An ended session is logged out and the browser sent to the login page with the reason
(``?reason=``), so the user learns why. API calls with a token carry no session and are untouched.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from apps.accounts.passwords import password_expired
from apps.accounts.selectors import request_scope, security_settings

SSO_BACKEND = "apps.accounts.oidc.PortalOIDCBackend"
LOGIN_AT = "_controls_login_at"
LAST_SEEN = "_controls_last_seen"

REASONS = {
    "replaced": "您的账号已在其他位置登录，本次会话已结束。如非本人操作，请立即修改密码并联系安全管理员。",
    "idle": "由于长时间未操作，您已自动退出，请重新登录。",
    "expired": "登录已超过最长有效时间，请重新登录。",
}

NO_ROLE = "您的账号尚未分配角色，请联系安全管理员"

# Paths a user may reach while a password change or MFA check is pending.
_OPEN_PREFIXES = ("/accounts/logout/", "/accounts/mfa/", "/accounts/session/", "/static/", "/favicon")


@receiver(user_logged_in, dispatch_uid="accounts.controls.session_started")
def session_started(sender, request, user, **kwargs):
    """Remember the login time and make this the account's one active session."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now
    hours = security_settings().session_absolute_hours
    if hours:  # the cookie lasts as long as the session may (SESSION_COOKIE_AGE is only the default)
        request.session.set_expiry(hours * 3600)
    claim_session(request, user)


def claim_session(request, user) -> None:
    """Make the request's session the account's one active session (after login, or after the
    session key was cycled by a password change)."""
    if request.session.session_key is None:
        request.session.save()
    get_user_model().objects.filter(pk=user.pk).update(current_session_key=request.session.session_key)
    user.current_session_key = request.session.session_key


def mfa_required(user) -> bool:
    return user.role in security_settings().mfa_required_roles


def _end_session(request, reason: str):
    logout(request)
    url = f"{reverse('accounts:login')}?{urlencode({'reason': reason})}"
    if request.path.startswith(("/api/", "/accounts/session/")):
        return JsonResponse({"detail": REASONS[reason], "login_url": url}, status=401)
    return redirect(url)


def _divert(request, url_name: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "请先在浏览器中完成登录验证"}, status=403)
    return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


class SecuritySettingsScopeMiddleware:
    """Reads 安全设置 at most once per request (selectors.security_settings), early in the chain so
    the login view (django-axes) and every control below share the one read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            return self.get_response(request)


class AccountControlsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._check(request)
        return response if response is not None else self.get_response(request)

    def _check(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        session = request.session
        if getattr(settings, "SESSION_ONE_PER_ACCOUNT", False) and user.current_session_key and \
                session.session_key != user.current_session_key:
            return _end_session(request, "replaced")
        now = int(time.time())
        current = security_settings()
        absolute = current.session_absolute_hours * 3600
        if absolute and now - session.get(LOGIN_AT, now) > absolute:
            return _end_session(request, "expired")
        idle = current.session_idle_timeout_minutes * 60
        if idle and now - session.get(LAST_SEEN, now) > idle:
            return _end_session(request, "idle")
        # The idle warning polls the remaining time without counting as activity. Activity is
        # stored at most once a minute, so most requests don't rewrite the session row.
        if request.path != reverse("accounts:session_status") and now - session.get(LAST_SEEN, 0) >= 60:
            session[LAST_SEEN] = now
        if request.path.startswith(_OPEN_PREFIXES):
            return None
        # A session begun at the province's identity service used no portal password, so there is
        # none to change or renew (an account created by single sign-on has no usable password).
        signed_in_by_sso = session.get(BACKEND_SESSION_KEY) == SSO_BACKEND
        if not signed_in_by_sso and (user.must_change_password or password_expired(user)):
            if request.path != reverse("accounts:password_change"):
                return _divert(request, "accounts:password_change")
            return None
        if mfa_required(user) and not user.is_verified():
            return _divert(request, "accounts:mfa")
        if not user.has_role and request.path != reverse("accounts:password_change"):
            return _no_role(request)
        return None


def _no_role(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": NO_ROLE}, status=403, json_dumps_params={"ensure_ascii": False})
    return render(request, "accounts/no_role.html", {"message": NO_ROLE}, status=403)
