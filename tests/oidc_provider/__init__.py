"""A tiny OpenID Connect provider (django-oauth-toolkit in OIDC mode) that the single sign-on test
starts on loopback in its own process, standing in for the province's identity service."""
