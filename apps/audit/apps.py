from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The security audit trail's interfaces: the signal receivers that audit sign-in, account and
    grant changes, the audit administrator's viewer, and the verify/prune commands. The log itself
    (model and the one write path) lives in apps.core so every app can write it."""

    name = "apps.audit"
    verbose_name = "安全审计"

    def ready(self):
        from apps.audit import checks, receivers  # noqa: F401 - checks register on import

        receivers.connect()
