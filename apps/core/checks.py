"""Start-up checks. A production (DEBUG=false) process without personal-data keys refuses to start:
the web and worker entry points (config/wsgi.py, asgi.py, celery.py) call require_pii_keys(), and
`manage.py check --deploy` reports it. Management commands that never touch personal data
(makemigrations, collectstatic) still run, and one that does fails with the same message."""

from django.core.checks import Error, register


@register("security", deploy=True)
def pii_keys_check(app_configs=None, **kwargs):
    from apps.core import crypto

    return [Error(message, hint="docs/security.md, section 密钥管理", id="core.E017")
            for message in crypto.configuration_errors()]


def require_pii_keys() -> None:
    """Stop a process at start-up, with the reason, when personal data could not be read."""
    from django.core.exceptions import ImproperlyConfigured

    from apps.core import crypto

    errors = crypto.configuration_errors()
    if errors:
        raise ImproperlyConfigured("; ".join(errors))
