"""The audit log names the same client address that django-axes locks out: a forwarded address
only from a trusted proxy, never from the client itself."""

from django.test import RequestFactory

from apps.core import audit


def test_it_takes_the_forwarded_client_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    behind_proxy = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    spoofed = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert audit.client_ip(behind_proxy) == "198.51.100.7"
    assert audit.client_ip(spoofed) == "203.0.113.9"
