from django.contrib.auth import views as auth_views
from django.urls import path

from apps.accounts import oidc, views, views_users

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", oidc.PortalLogoutView.as_view(), name="logout"),  # also ends a provider session
    path("oidc/authenticate/", oidc.LoginStart.as_view(), name="oidc_start"),
    path("oidc/callback/", oidc.LoginCallback.as_view(), name="oidc_callback"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_done",
    ),
    path("mfa/", views.mfa_check, name="mfa"),
    path("mfa/recovery-codes/", views.recovery_codes, name="mfa_recovery_codes"),
    path("session/status/", views.session_status, name="session_status"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("users/", views_users.user_list, name="users"),
    path("users/new/", views_users.user_create, name="user_create"),
    path("users/<int:pk>/", views_users.user_edit, name="user_edit"),
    path("users/<int:pk>/active/", views_users.user_set_active, name="user_set_active"),
    path("users/<int:pk>/reset-password/", views_users.user_reset_password, name="user_reset_password"),
]
