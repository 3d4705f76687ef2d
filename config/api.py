"""The one REST API router, /api/v1/. Each app contributes its routes in ``api_urls.py``."""

import re
from http import HTTPStatus

from django.http import JsonResponse
from django.urls import Resolver404, include, path, re_path, resolve
from django.views.decorators.csrf import csrf_exempt

urlpatterns = [
    path("", include("apps.portal.api_urls")),
    path("", include("apps.policies.api_urls")),
    path("", include("apps.evidence.api_urls")),
    path("", include("apps.compliance.api_urls")),
    path("", include("apps.reports.api_urls")),
]


@csrf_exempt  # changes nothing; a token client has no CSRF cookie and must get the JSON 404
def not_found(request, unmatched=""):
    """Any other path under /api/v1/ (an id that is not a number, a typo): a JSON 404 like the
    endpoints' own, never Django's HTML page, so a client can always parse the error.

    It also matches paths missing their trailing slash, which APPEND_SLASH would otherwise
    redirect (a 301 that turns a POST into a GET without its body): the 404 names the right path."""
    body = {"detail": "未找到。"}
    if not request.path.endswith("/"):
        try:
            if resolve(request.path + "/").func is not not_found:
                body["detail"] = f"未找到。路径应以 / 结尾：{request.path}/"
        except Resolver404:
            pass
    return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})


urlpatterns += [re_path(r"^(?P<unmatched>.*)$", not_found)]



# A NUL character (U+0000) is never legitimate in this API, and PostgreSQL text cannot hold one:
# psycopg2 raises ValueError (a 500) wherever the value goes into a query (a path, a filter, a
# record field), while SQLite silently stores it. Refused at the edge, the same on every database.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def _has_nul(request) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        return b"\x00" in request.body or bool(_JSON_NUL.search(request.body))
    if content_type == "application/x-www-form-urlencoded":
        return b"%00" in request.body or b"\x00" in request.body
    if content_type == "multipart/form-data":
        # Field values only: uploaded files are binary and may contain anything.
        return any("\x00" in value for values in request.POST.lists() for value in values[1])
    return False


class RejectNulCharacters:
    """Middleware (settings.MIDDLEWARE): 400 for any /api/ request carrying U+0000."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/") and _has_nul(request):
            return JsonResponse({"detail": "请求中含有不允许的空字符（U+0000），已拒绝，未保存任何数据。"},
                                status=400, json_dumps_params={"ensure_ascii": False})
        return self.get_response(request)


# Django answers some errors before (or instead of) DRF: an unknown /api/ path outside /api/v1/,
# a CSRF or request-size refusal from a middleware, an unhandled exception (its 500 page, or with
# DEBUG the debug page). API clients always get JSON in DRF's shape instead.
_API_ERRORS = {
    400: "请求无效。",
    401: "未提供有效的身份认证信息。",
    403: "您没有执行该操作的权限。",
    404: "未找到。",
    405: "不允许使用该请求方法。",
    413: "请求体过大。",
    429: "请求过于频繁，请稍后重试。",
    500: "服务器内部错误，已记录，请稍后重试。",
}
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiErrorsAsJson:
    """Middleware (settings.MIDDLEWARE): any error response under /api/ that is not JSON becomes
    ``{"detail": "..."}`` with the same status. Unhandled exceptions are still logged by Django
    (this rewrites its 500 response, it does not swallow the exception)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path_info.startswith("/api/") and response.status_code >= 400
                and "json" not in response.get("Content-Type", "")):
            status = response.status_code
            detail = _API_ERRORS.get(status) or _API_ERRORS.get(status // 100 * 100) or HTTPStatus(status).phrase
            json_response = JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})
            for header in _KEPT_HEADERS:
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response
