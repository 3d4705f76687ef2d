from django.urls import path

from apps.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("compare/", views.compare, name="compare"),
    path("documents/<str:code>/", views.document_detail, name="document"),
    path("requirements/<str:code>/", views.requirement_detail, name="requirement"),
    path("unit/<str:code>/", views.unit_applicability, name="unit"),
]
