"""Load benchmark of the web tier: gunicorn + PostgreSQL under concurrent users (docs/performance.md).

    .venv/bin/python -m benchmarks.web_load            # defaults: ecp_load, 3 workers, 10 and 50 connections, 20 s

Needs ``wrk`` (Debian: ``apt-get install -y wrk``); without it the set-up still runs and the load
step is skipped with a message.

1. drops and recreates a dedicated database (only names starting with ``ecp_load``), migrates,
   runs ``load_demo`` and ``generate_synthetic`` for one larger county (20 townships × 20 villages);
2. runs the nightly evaluation once, eagerly (no REDIS_URL), so today's snapshots exist, and
   creates a county official granted on the synthetic county;
3. starts gunicorn with production settings (DEBUG=false, HTTPS=false, ALLOWED_HOSTS=127.0.0.1)
   on 127.0.0.1:<port>, logs the official in (CSRF + session cookie) and checks every page answers 200;
4. loads each page with wrk at every ``--connections`` level for ``--duration`` seconds and prints
   requests/s, p50/p95/p99 latency and errors (socket errors + non-2xx responses) per page;
5. stops gunicorn and drops the database (``--keep`` keeps it).

Timings are printed, never asserted. The API throttle (API_THROTTLE_RATE, 6000/hour per user by
default) is raised for the run: one benchmark user sends far more than a real official would.
"""

from __future__ import annotations

import argparse
import base64
import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
COUNTY = "990101000000"  # first county of apps.devtools.synthetic (合成省/合成市)
USERNAME, PASSWORD = "load_county", "Load-Bench-2026!"
SECRET = "web-load-benchmark-secret-0f3a9c1d7e5b2a4c6e8d0b1f3a5c7e9d"

# wrk prints one JSON line at the end of a run (latencies in microseconds).
WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status))
end
"""


def _env(database_url: str, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # eager Celery, no broker
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=database_url, DEBUG="false", HTTPS="false",
        SECRET_KEY=SECRET, ALLOWED_HOSTS="127.0.0.1", EMAIL_URL="dummymail://", LOG_LEVEL="WARNING",
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}", API_THROTTLE_RATE="100000000/hour",
        # The benchmark measures the pages, not the TOTP step of the county official's login.
        MFA_REQUIRED_ROLES="",
        # Production refuses to start without personal-data keys: throw-away ones for this run.
        PII_KEYS=env.get("PII_KEYS") or f"bench:{base64.b64encode(os.urandom(16)).decode()}",
        PII_INDEX_KEY=env.get("PII_INDEX_KEY") or base64.b64encode(os.urandom(32)).decode(),
    )
    return env


def _database(url: str, action: str) -> None:
    import psycopg2

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    if not name.startswith("ecp_load"):
        sys.exit(f"this benchmark only creates and drops databases named ecp_load*, not {name!r}")
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                            password=parts.password or None, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _manage(env: dict, *args: str) -> None:
    print("$ manage.py", " ".join(args), flush=True)
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


SETUP_SNIPPET = """
import json, time
from apps.accounts import access
from apps.accounts.models import Role, User
from apps.compliance.tasks import nightly_evaluation
from apps.jurisdictions.models import Unit

started = time.perf_counter()
nightly_evaluation.apply(kwargs={"as_of": AS_OF, "trigger": "manual"})
seconds = time.perf_counter() - started
user, created = User.objects.get_or_create(username=USERNAME, defaults={"role": Role.COUNTY_OFFICIAL,
                                                                        "full_name": "压测县级用户"})
user.set_password(PASSWORD)
user.save()
county = Unit.objects.get(code=COUNTY)
if not access.can(user, access.Action.VIEW, county):
    access.grant(user, county)
township = Unit.objects.filter(parent=county).order_by("code").first()
village = Unit.objects.filter(parent=township).order_by("code").first()
print(json.dumps({"nightly_s": round(seconds, 1), "units": Unit.objects.count(),
                  "county_units": Unit.objects.filter(code__startswith=COUNTY[:6]).count(),
                  "township": township.code, "village": village.code}))
"""


def setup(env: dict, args) -> dict:
    _database(args.database_url, "create")
    started = time.perf_counter()
    _manage(env, "migrate", "--noinput")
    _manage(env, "load_demo", "--as-of", args.as_of)
    _manage(env, "generate_synthetic", "--counties", "1", "--townships-per-county", str(args.townships),
            "--villages-per-township", str(args.villages), "--as-of", args.as_of)
    code = "\n".join([f"AS_OF={args.as_of!r}", f"USERNAME={USERNAME!r}", f"PASSWORD={PASSWORD!r}",
                      f"COUNTY={COUNTY!r}", SETUP_SNIPPET])
    print("$ nightly evaluation (eager) + benchmark user", flush=True)
    out = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    info = json.loads(out.strip().splitlines()[-1])
    info["setup_s"] = round(time.perf_counter() - started, 1)
    return info


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    gunicorn = str(Path(PYTHON).with_name("gunicorn"))
    proc = subprocess.Popen(
        [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                sys.exit("gunicorn exited during start-up")
            time.sleep(0.5)
    stop_gunicorn(proc)
    sys.exit("gunicorn did not answer within 60 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def login(base: str) -> str:
    """Log in like a browser (CSRF cookie + token) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/").read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD,
                                   "csrfmiddlewaretoken": csrf}).encode()
    req = urllib.request.Request(f"{base}/accounts/login/", data=body,  # noqa: S310 (base is http://127.0.0.1)
                                 headers={"Referer": f"{base}/accounts/login/"})
    opener.open(req).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        sys.exit("login failed: no session cookie")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def check(base: str, path: str, cookie: str) -> int:
    """A page must answer 200 to the logged-in official (not a redirect to the login page)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **kw):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310 (local http)
        response = opener.open(request)
    except urllib.error.HTTPError as exc:
        sys.exit(f"{path}: HTTP {exc.code} before the load; fix this first")
    return len(response.read())


def wrk(url: str, cookie: str, connections: int, duration: int, threads: int, lua: str) -> dict:
    out = subprocess.run(
        ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{duration}s",
         "--timeout", "60s", "-s", lua, "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout", "status"))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ecp_load")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--connections", default="10,50", help="comma-separated concurrency levels")
    parser.add_argument("--duration", type=int, default=20, help="seconds per page and level")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--townships", type=int, default=20, help="townships in the synthetic county")
    parser.add_argument("--villages", type=int, default=20, help="villages per township")
    parser.add_argument("--as-of", default=date.today().isoformat())
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    env = _env(args.database_url, args.port)
    info = setup(env, args)
    print(f"set-up: {info}", flush=True)
    has_wrk = shutil.which("wrk") is not None
    if not has_wrk:
        print("wrk is not installed (Debian/Ubuntu: apt-get install -y wrk); load step skipped.")
    base = f"http://127.0.0.1:{args.port}"
    pages = {
        "county dashboard": f"/dashboard/{COUNTY}/",
        "overdue list": f"/overdue/{COUNTY}/",
        "unit page (village)": f"/units/{info['village']}/",
        "township workspace": f"/workspace/{info['township']}/",
        "API evaluation (township)": f"/api/v1/units/{info['township']}/evaluation/",
    }
    results = []
    proc = start_gunicorn(env, args.port, args.workers) if has_wrk else None
    try:
        if proc is not None:
            cookie = login(base)
            sizes = {name: check(base, path, cookie) for name, path in pages.items()}
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
                fh.write(WRK_LUA)
            levels = [int(c) for c in args.connections.split(",")]
            print(f"\n{args.workers} gunicorn workers, {args.duration} s per run, as of {args.as_of}")
            print(f"{'page':28} {'conn':>4} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
                  f"{'errors':>6} {'KB':>5}")
            for name, path in pages.items():
                for c in levels:
                    r = wrk(base + path, cookie, c, args.duration, args.threads, fh.name)
                    r.update(page=name, path=path, connections=c, bytes=sizes[name])
                    results.append(r)
                    print(f"{name:28} {c:>4} {r['rps']:>7.1f} {r['p50'] / 1000:>7.0f} {r['p95'] / 1000:>7.0f} "
                          f"{r['p99'] / 1000:>7.0f} {r['errors']:>6} {sizes[name] / 1024:>5.0f}", flush=True)
            os.unlink(fh.name)
    finally:
        if proc is not None:
            stop_gunicorn(proc)
        if not args.keep:
            _database(args.database_url, "drop")
    if args.json:
        Path(args.json).write_text(json.dumps({"setup": info, "workers": args.workers, "results": results},
                                              indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
