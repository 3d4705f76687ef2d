"""A web process on a given DATABASE_URL, driven line by line from stdin (tests/faults).

Each line "get" runs one request through Django's real WSGI handler (which, unlike the test
client, runs the request_started/finished connection housekeeping) to a view that queries the
database, and prints the status code. The connection persists between requests (CONN_MAX_AGE).
"""

import io
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def ping(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok")


urlpatterns = [path("db-ping/", ping)]
settings.ROOT_URLCONF = __name__


def request(handler) -> int:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/db-ping/", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(),
               "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1"}
    status = []
    result = handler(environ, lambda s, headers, exc_info=None: status.append(s))
    for _ in result:
        pass
    result.close()  # request_finished: Django decides whether to keep the connection
    return int(status[0].split()[0])


if __name__ == "__main__":
    wsgi = WSGIHandler()
    for line in sys.stdin:
        if line.strip() == "get":
            print(request(wsgi), flush=True)
