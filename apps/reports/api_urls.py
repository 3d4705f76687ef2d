from django.urls import path

from apps.reports import api

urlpatterns = [
    path("scorecards/", api.scorecard_list, name="api-scorecard-list"),
    path("scorecards/verify/<str:code>/", api.verify, name="api-scorecard-verify"),
    path("scorecard-jobs/<int:pk>/", api.job_detail, name="api-scorecard-job"),
]
