from django.urls import path

from apps.policies import api

urlpatterns = [
    path("policies/documents/", api.DocumentListView.as_view(), name="policies-document-list"),
    path("policies/documents/<str:code>/", api.DocumentDetailView.as_view(), name="policies-document-detail"),
    path("policies/requirements/", api.RequirementListView.as_view(), name="policies-requirement-list"),
    path("policies/requirements/<str:code>/", api.RequirementDetailView.as_view(),
         name="policies-requirement-detail"),
    path("policies/duties/", api.DutyListView.as_view(), name="policies-duty-list"),
    path("units/<str:code>/requirements/", api.UnitApplicabilityView.as_view(), name="policies-unit-applicability"),
]
