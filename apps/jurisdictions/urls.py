from django.urls import path

from apps.jurisdictions import views

app_name = "jurisdictions"
urlpatterns = [path("import/", views.import_view, name="import")]
