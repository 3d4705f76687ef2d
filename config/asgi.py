import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from apps.core.checks import require_pii_keys  # noqa: E402 - after the app registry is ready

require_pii_keys()
