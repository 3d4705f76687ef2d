"""The client's address behind a reverse proxy.

Behind a TLS-terminating proxy every request comes from the proxy's address, so django-axes would
lock out everyone behind it after one person's failed logins. The proxy appends the address it
received the request from to ``X-Forwarded-For``; only proxies listed in settings.TRUSTED_PROXIES
(addresses or networks) are believed. Reading right to left, trusted proxies are skipped and the
first other address is the client. A request not from a trusted proxy is judged by REMOTE_ADDR
alone, so a client cannot choose its own address by sending the header itself.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in n for n in networks)


def client_ip(request) -> str | None:
    """settings.AXES_CLIENT_IP_CALLABLE: the address django-axes locks out."""
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if not _trusted(remote, networks):
        return str(remote) if remote else None
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return str(remote)  # a garbled header: the nearest trustworthy address
        if not _trusted(address, networks):
            return str(address)
    return str(remote)
