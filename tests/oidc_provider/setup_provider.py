"""Create the provider's people and the portal's client registration (run once, before serving).

Usage: DJANGO_SETTINGS_MODULE=tests.oidc_provider.settings python -m tests.oidc_provider.setup_provider
       CLIENT_ID CLIENT_SECRET REDIRECT_URI POST_LOGOUT_URI USER:PASSWORD ..."""

import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

client_id, secret, redirect_uri, post_logout, *people = sys.argv[1:]
call_command("migrate", verbosity=0)
for item in people:
    username, password = item.split(":", 1)
    get_user_model().objects.create_user(username=username, password=password, email=f"{username}@example.gov.cn")
Application.objects.create(
    name="portal", client_id=client_id, client_secret=secret, client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, redirect_uris=redirect_uri,
    post_logout_redirect_uris=post_logout, algorithm=Application.RS256_ALGORITHM, skip_authorization=True,
)
