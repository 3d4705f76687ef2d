from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = "账户与权限"

    def ready(self):
        from apps.accounts import controls  # noqa: F401  (connects the login signal receiver)
