"""Production static files: gunicorn with DEBUG=false (what docker compose runs, no nginx in front)
serves the portal's CSS and JS and the API docs' assets, compressed and under hashed names.

Real processes: ``collectstatic`` as the Dockerfile runs it, then gunicorn on a free port.
Brotli is hidden from collectstatic here to keep the test quick (the image compresses with both
gzip and brotli; gzip is what this test checks).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HASHED = re.compile(r"\.[0-9a-f]{12}\.(css|js|svg)$")


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") in ("stylesheet", "icon"):
            self.urls.append(attrs["href"])


def _assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return [u for u in parser.urls if u.startswith("/static/")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, gzip_ok: bool = False):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local test server
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prod")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "CACHE_URL")},
        "DEBUG": "false",
        "SECRET_KEY": "a-long-production-secret-5d1f9b0e2c7a4f6e8b3d0a9c1e7f2b4d6a8c0e2",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
    }
    collect = (
        "import sys; sys.modules['brotli'] = None\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'collectstatic', '--noinput', '-v0'])\n"
        # The login page reads 安全设置 (accounts.SecuritySettings), so its table must exist.
        "execute_from_command_line(['manage.py', 'migrate', 'accounts', '--noinput', '-v0'])\n"
    )
    result = subprocess.run([sys.executable, "-c", collect], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE":
                            "config.settings"}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "120"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {proc.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            time.sleep(0.5)
        yield base, tmp / "static"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_it_serves_the_portal_css_and_js_under_hashed_names_with_debug_off(production_server):
    base, static_root = production_server
    status, _, body = _get(f"{base}/accounts/login/")
    assert status == 200
    assets = _assets(body.decode())
    assert any(u.endswith(".css") for u in assets) and any(u.endswith(".js") for u in assets)
    # The dashboard's own script and the charts library, named through the manifest.
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    assets += [f"/static/{manifest['js/dashboard.js']}", f"/static/{manifest['vendor/echarts.min.js']}"]
    for url in assets:
        assert HASHED.search(url), url
        status, headers, content = _get(base + url, gzip_ok=True)
        assert status == 200 and content, url
        kind = "text/css" if url.endswith(".css") else "image/svg+xml" if url.endswith(".svg") else "javascript"
        assert kind in headers["Content-Type"], (url, headers["Content-Type"])
        assert "immutable" in headers.get("Cache-Control", ""), url  # hashed: cached for good
        if headers.get("Content-Encoding") == "gzip":
            content = gzip.decompress(content)
        assert len(content) > 100, url
    status, headers, _ = _get(base + next(u for u in assets if u.endswith(".css")), gzip_ok=True)
    assert headers.get("Content-Encoding") == "gzip"


def test_it_serves_the_api_docs_assets_with_debug_off(production_server):
    base, _ = production_server
    status, _, body = _get(f"{base}/api/docs/")
    assert status == 200
    html = body.decode()
    assets = _assets(html)
    assert any("swagger-ui" in u and u.endswith(".css") for u in assets)
    assert any("swagger-ui-bundle" in u for u in assets)
    # The set-up script (a file, for the CSP) and the schema it loads.
    scripts = re.findall(r'<script src="([^"]+\?script)"', html)
    for url in assets + [s.replace("&amp;", "&") for s in scripts]:
        status, _, content = _get(base + url)
        assert status == 200 and content, url
