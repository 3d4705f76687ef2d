from django.urls import path

from apps.compliance import api

urlpatterns = [
    path("units/<str:code>/evaluation/", api.UnitEvaluationView.as_view(), name="compliance-evaluation"),
    path("units/<str:code>/snapshots/", api.UnitSnapshotsView.as_view(), name="compliance-snapshots"),
    path("units/<str:code>/overdue/", api.UnitOverdueView.as_view(), name="compliance-overdue"),
    path("units/<str:code>/reporting/", api.UnitReportingView.as_view(), name="compliance-reporting"),
]
