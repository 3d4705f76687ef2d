"""The one REST API router, /api/v1/. Each app contributes its routes in ``api_urls.py``."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.jurisdictions.api_urls")),
    path("", include("apps.policies.api_urls")),
    path("", include("apps.evidence.api_urls")),
    path("", include("apps.compliance.api_urls")),
    path("", include("apps.reports.api_urls")),
]
