from django.urls import path

from apps.evidence import api

urlpatterns = [
    path("evidence/import/", api.ImportView.as_view(), name="evidence-import"),
    path("evidence/<str:kind>/", api.RecordListView.as_view(), name="evidence-list"),
    path("evidence/<str:kind>/<int:pk>/", api.RecordDetailView.as_view(), name="evidence-detail"),
    path("evidence/<str:kind>/<int:pk>/review/", api.RecordReviewView.as_view(), name="evidence-review"),
]
