from django.urls import path

from apps.portal.views import jurisdictions as views

app_name = "jurisdictions"
urlpatterns = [path("import/", views.import_view, name="import")]
