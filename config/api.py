"""The one REST API router, /api/v1/. Each app contributes its routes in ``api_urls.py``."""

import re

from django.http import JsonResponse
from django.urls import include, path, re_path

urlpatterns = [
    path("", include("apps.jurisdictions.api_urls")),
    path("", include("apps.policies.api_urls")),
    path("", include("apps.evidence.api_urls")),
    path("", include("apps.compliance.api_urls")),
    path("", include("apps.reports.api_urls")),
]


def not_found(request, unmatched=""):
    """Any other path under /api/v1/ (e.g. an id that is not a number): a JSON 404 like the
    endpoints' own, not the HTML page, so a client can always parse the error."""
    return JsonResponse({"detail": "未找到。"}, status=404, json_dumps_params={"ensure_ascii": False})


# Only paths ending in a slash: without one, APPEND_SLASH first redirects to the slashed path.
urlpatterns += [re_path(r"^(?P<unmatched>.*/)$", not_found)]



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
