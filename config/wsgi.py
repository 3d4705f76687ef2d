import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from apps.core.checks import require_pii_keys  # noqa: E402 - after the app registry is ready

require_pii_keys()
