from django.urls import path

from apps.portal.views import calendar, pages, supervision

app_name = "portal"
urlpatterns = [
    path("", pages.home, name="home"),
    path("search/", pages.search, name="search"),
    path("dashboard/<str:code>/", pages.dashboard, name="dashboard"),
    path("overdue/<str:code>/", pages.overdue, name="overdue"),
    path("workspace/<str:code>/", pages.workspace, name="workspace"),
    path("units/<str:code>/", pages.unit_detail, name="unit"),
    path("units/<str:code>/supervise/", pages.supervise, name="supervise"),
    path("units/<str:code>/supervisions/", pages.supervisions, name="supervisions"),
    path("supervisions/<int:pk>/ack/", pages.supervision_ack, name="supervision_ack"),
    path("supervisions/<int:pk>/", supervision.supervision_detail, name="supervision"),
    path("supervisions/<int:pk>/reply/", supervision.supervision_reply, name="supervision_reply"),
    path("supervisions/<int:pk>/close/", supervision.supervision_close, name="supervision_close"),
    path("calendar/", calendar.calendar_settings, name="calendar"),
    path("calendar/new/", calendar.calendar_token_create, name="calendar_token_create"),
    path("calendar/<int:pk>/revoke/", calendar.calendar_token_revoke, name="calendar_token_revoke"),
    path("calendar/feed/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
