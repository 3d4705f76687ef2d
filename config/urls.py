from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import api

# The admin in Chinese: its title bar and index page (the models' names come from the catalogs).
admin.site.site_header = "应急合规 后台管理"
admin.site.site_title = "应急合规 后台管理"
admin.site.index_title = "后台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("api/v1/", include(api.urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split view: the Swagger UI set-up script is a file, not inline, so the strict CSP allows it.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("jurisdictions/", include("apps.portal.jurisdiction_urls")),
    path("policies/", include("apps.policies.urls")),
    path("evidence/", include("apps.evidence.urls")),
    path("compliance/", include("apps.compliance.urls")),
    path("reports/", include("apps.reports.urls")),
    path("audit/", include("apps.audit.urls")),
    path("", include("apps.portal.urls")),
]
