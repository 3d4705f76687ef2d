from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = "账户与权限"

    def ready(self):
        from django.db.models.signals import post_migrate

        from apps.accounts import controls  # noqa: F401  (connects the login signal receiver)
        from apps.accounts.permission_names import rename_permissions

        # Connected after django.contrib.auth's create_permissions (auth is installed earlier).
        post_migrate.connect(rename_permissions, dispatch_uid="accounts.rename_permissions")
