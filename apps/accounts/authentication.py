"""DRF authentication for integrations: ``Authorization: Bearer <token>`` (or ``Token <token>``).

Browsers keep using the session (SessionAuthentication, with its CSRF check). This class is listed
first in REST_FRAMEWORK so that a missing or bad credential is answered 401 with a
``WWW-Authenticate: Bearer`` header (DRF takes that header from the first class; without one it
turns 401 into 403).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from apps.accounts import tokens
from apps.accounts.controls import NO_ROLE
from apps.accounts.models import ApiToken

KEYWORDS = (b"bearer", b"token")
# Record use at most once a minute per token: an integration polling hard must not turn every
# read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # not ours: let the session (or nothing) authenticate
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization 头格式应为：Bearer <令牌>")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("令牌无效") from exc
        token = ApiToken.objects.select_related("user").filter(digest=tokens.digest(secret)).first()
        now = timezone.now()
        # One message for unknown, revoked, expired and disabled: a caller learns nothing by probing.
        if token is None or not token.is_usable(now) or not token.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效、已吊销或已过期")
        if not token.user.has_role:  # the session middleware refuses such a user the same way
            raise exceptions.PermissionDenied(NO_ROLE)
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI securitySchemes (drf-spectacular picks this up by target)."""

    target_class = "apps.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "API 令牌：`Authorization: Bearer ecp_…`（也接受 `Token ecp_…`）。"
            "令牌由管理员在后台或用 `manage.py create_api_token` 创建，只显示一次。",
        }
