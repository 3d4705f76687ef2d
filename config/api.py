"""The one REST API router, /api/v1/. Each app contributes its routes in ``api_urls.py``."""

import re

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
