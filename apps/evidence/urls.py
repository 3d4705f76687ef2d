from django.urls import path

from apps.evidence import queue_views, views

app_name = "evidence"
urlpatterns = [
    path("unit/<str:code>/", views.hub, name="hub"),
    path("import/", views.import_view, name="import"),
    path("import/errors.xlsx", views.import_errors_download, name="import_errors"),
    path("review/", queue_views.queue, name="queue"),
    path("review/next/", queue_views.queue_next, name="queue_next"),
    path("review/<str:kind>/<int:pk>/", queue_views.queue_item, name="queue_item"),
    path("templates/<str:kind>.xlsx", views.template_download, name="template"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<str:kind>/", views.record_list, name="list"),
    path("<str:kind>/export/", views.export, name="export"),
    path("<str:kind>/new/<str:code>/", views.create, name="create"),
    path("<str:kind>/<int:pk>/", views.detail, name="detail"),
    path("<str:kind>/<int:pk>/edit/", views.update, name="update"),
    path("<str:kind>/<int:pk>/delete/", views.delete, name="delete"),
    path("<str:kind>/<int:pk>/review/", views.review, name="review"),
    path("<str:kind>/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<str:kind>/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
]
