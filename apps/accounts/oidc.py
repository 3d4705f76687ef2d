"""Single sign-on through the province's OpenID Connect provider (mozilla-django-oidc).

Configured by environment (config/settings.py, docs/accounts.md "Single sign-on"): the issuer,
the client id and secret, and the claim that names the user (``OIDC_USERNAME_CLAIM``). The
provider's endpoints come from its discovery document (``{issuer}/.well-known/openid-configuration``)
unless set one by one. A signed-in person is matched to the existing account with that username;
an unknown person is refused unless ``OIDC_CREATE_USERS=true``, which creates an account with no
role and no grant (Role.NONE; the security administrator then gives both). ``PASSWORD_LOGIN_ENABLED=false`` turns off
password sign-in everywhere (the login page and /admin/). Logging out of the portal also ends the
provider session (RP-initiated logout with the ID token as hint).
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from apps.accounts.models import Role
from apps.accounts.selectors import security_settings

# mozilla-django-oidc setting -> the discovery document's key (OpenID Connect Discovery 1.0, §3).
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_END_SESSION_ENDPOINT": "end_session_endpoint",
}
REFUSED = "统一身份认证登录未成功：该账号未在本平台开通或已停用，请联系系统管理员。"


@functools.lru_cache(maxsize=4)
def discovery(issuer: str) -> dict:
    """The provider's discovery document, fetched once per process."""
    response = requests.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration",
                            timeout=getattr(settings, "OIDC_TIMEOUT", 10))
    response.raise_for_status()
    document = response.json()
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise ImproperlyConfigured(f"OIDC discovery at {issuer} names another issuer: {document.get('issuer')}")
    return document


def oidc_setting(attr, *args):
    """mozilla-django-oidc's settings lookup, with the endpoints discovered from the issuer."""
    value = getattr(settings, attr, None)
    if value in (None, "") and attr in DISCOVERED and settings.OIDC_ISSUER:
        return discovery(settings.OIDC_ISSUER).get(DISCOVERED[attr], *args[:1])
    return import_from_settings(attr, *args)


def _require_enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("未启用统一身份认证")


class PortalOIDCBackend(OIDCAuthenticationBackend):
    """Matches the person named by ``OIDC_USERNAME_CLAIM`` to the account with that username."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Django instantiates every backend for every sign-in and session lookup; the provider's
        # endpoints (a network fetch) are read only when a sign-in through it actually happens,
        # so a provider outage never stands in the way of password sign-in.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED or request is None or "nonce" not in kwargs:
            return None  # not the callback of a sign-in through the provider
        super().__init__()
        return super().authenticate(request, **kwargs)

    def _username(self, claims) -> str:
        return str(claims.get(settings.OIDC_USERNAME_CLAIM) or "").strip()

    def verify_claims(self, claims):
        return bool(self._username(claims))

    def verify_token(self, token, **kwargs):
        # mozilla-django-oidc checks the signature, expiry and nonce; the issuer and audience are
        # checked here (OpenID Connect Core §3.1.3.7, items 2 and 3).
        payload = super().verify_token(token, **kwargs)
        if str(payload.get("iss", "")).rstrip("/") != settings.OIDC_ISSUER.rstrip("/"):
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def filter_users_by_claims(self, claims):
        username = self._username(claims)
        users = self.UserModel.objects.filter(**{self.UserModel.USERNAME_FIELD: username})
        if not users.exists() and not settings.OIDC_CREATE_USERS and self.request is not None:
            self.request.oidc_refused = username  # for the audit entry of the failed sign-in
        return users

    def create_user(self, claims):
        # No role and no grant (Role.NONE): the account reaches nothing and sees only
        # 「尚未分配角色」 (controls.py) until the security administrator gives it a role and units.
        # No usable password: it signs in only through the provider.
        user = self.UserModel(**{self.UserModel.USERNAME_FIELD: self._username(claims)},
                              role=Role.NONE,
                              email=str(claims.get("email") or "")[:254],
                              full_name=str(claims.get("name") or "")[:50])
        user.set_unusable_password()
        user.save()
        return user


class PasswordLoginGate:
    """First in AUTHENTICATION_BACKENDS: with password login off (安全设置, default
    ``PASSWORD_LOGIN_ENABLED``) any password
    sign-in (the login page, /admin/) stops here, whatever backends follow."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is not None and not security_settings().password_login_enabled:
            raise PermissionDenied("password login is turned off")
        return None

    def get_user(self, user_id):
        return None


class LoginStart(OIDCAuthenticationRequestView):
    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        _require_enabled()
        return super().dispatch(request, *args, **kwargs)


class LoginCallback(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        _require_enabled()
        return super().dispatch(request, *args, **kwargs)

    def login_failure(self):
        messages.error(self.request, REFUSED)
        return HttpResponseRedirect(reverse("accounts:login"))


def provider_logout_url(request) -> str:
    """Where to send the browser after the portal session ends: the provider's end-session
    endpoint (OpenID Connect RP-Initiated Logout 1.0), back to our login page afterwards."""
    back = request.build_absolute_uri(reverse("accounts:login"))
    end_session = oidc_setting("OIDC_OP_END_SESSION_ENDPOINT", None)
    id_token = request.session.get("oidc_id_token")
    if not end_session or not id_token:
        return back
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": back,
                       "client_id": settings.OIDC_RP_CLIENT_ID})
    return f"{end_session}?{query}"


class PortalLogoutView(auth_views.LogoutView):
    """The portal's logout: a session begun at the provider is ended there too (single logout)."""

    def post(self, request, *args, **kwargs):
        provider = None
        if settings.OIDC_ENABLED and request.session.get("oidc_id_token"):
            provider = provider_logout_url(request)  # read before logout() flushes the session
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider) if provider else response
