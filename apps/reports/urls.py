from django.urls import path

from apps.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("scorecards/<int:pk>/", views.detail, name="detail"),
    path("scorecards/<int:pk>/pdf/", views.download_pdf, name="pdf"),
    path("scorecards/<int:pk>/xlsx/", views.download_xlsx, name="xlsx"),
    path("seals/", views.seal, name="seal"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
