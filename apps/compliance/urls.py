from django.urls import path

from apps.compliance import views

app_name = "compliance"
urlpatterns = [
    path("units/<str:code>/", views.unit_evaluation, name="unit"),
    path("units/<str:code>/overdue/", views.overdue, name="overdue"),
    path("units/<str:code>/reporting/", views.reporting, name="reporting"),
    path("units/<str:code>/roster-conflicts/", views.roster_conflicts, name="roster_conflicts"),
]
