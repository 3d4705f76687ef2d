"""Settings for the Emergency Compliance Portal (应急合规).

Everything that differs between a laptop and production comes from the environment
(django-environ): https://django-environ.readthedocs.io/. With no environment at all the
portal runs on the *embedded default*: a SQLite file in the project folder and Celery tasks
executed in-process.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# ------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
# The fallback key is only acceptable for the embedded default; production sets SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served locally (/api/docs/ works offline, no CDN)
    "apps.core.vendor_labels.GuardianConfig",  # django-guardian with a Chinese app name
    "apps.core.vendor_labels.AxesConfig",  # django-axes with a Chinese app name (no zh_Hans upstream)
    "simple_history",
    "apps.core.vendor_labels.CeleryBeatConfig",  # the three: Chinese names (apps/core/vendor_labels.py)
    "django_otp",
    "apps.core.vendor_labels.OtpTotpConfig",
    "apps.core.vendor_labels.OtpStaticConfig",
    # ours
    "apps.core",
    "apps.jurisdictions",
    "apps.accounts",
    "apps.policies",
    "apps.evidence",
    "apps.compliance",
    "apps.reports",
    "apps.portal",
    "apps.audit",  # security audit trail: viewer, verify/prune commands, sign-in receivers
    "apps.devtools",  # demo and synthetic data (load_demo, generate_synthetic): the top layer
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files in production (DEBUG=false, no nginx): see "Static files" below.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.AuditContextMiddleware",  # source address of audit entries
    "apps.accounts.controls.SecuritySettingsScopeMiddleware",  # 安全设置 read once per request
    "config.api.ApiErrorsAsJson",  # every error under /api/ is JSON, 500 included: see config/api.py
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.api.RejectNulCharacters",  # API hostile input: see config/api.py
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # 等保 level-3 account controls: sessions, forced password change, MFA (docs/accounts.md)
    "apps.accounts.controls.AccountControlsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware must be last: https://django-axes.readthedocs.io/en/latest/2_installation.html
    "axes.middleware.AxesMiddleware",
]

# Every asset is local (government networks are often offline), so the policy is strict: no
# inline scripts, nothing from other origins. Inline style *attributes* are allowed for the few
# widths and colours templates set; ECharts styles through the CSSOM, which CSP does not restrict.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.core.context_processors.portal",
            ],
        },
    },
]

# ------------------------------------------------------------------------------
# Database: DATABASE_URL, or the embedded SQLite default
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASE_RANDOM_PAGE_COST = env.float("DATABASE_RANDOM_PAGE_COST", default=1.1)  # PostgreSQL: see below
# PostgreSQL: the nightly run's repeated queries are prepared once per connection (core.prepared);
# false behind a connection pooler in transaction mode.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL keeps readers and the in-process Celery writer from blocking each other.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # The planner's cost of a random page read relative to a sequential one: 1.1 for SSDs or data
    # held in memory (PostgreSQL's own default, 4.0, models spinning disks). With 4.0 the nightly
    # county task's team-member and facility reads scanned every team and facility of the
    # province instead of probing the county's units (docs/performance.md, "Planner costs").
    _pg = DATABASES["default"].setdefault("OPTIONS", {})
    _pg["options"] = f"{_pg.get('options', '')} -c random_page_cost={DATABASE_RANDOM_PAGE_COST}".strip()
    if DATABASE_PREPARED_STATEMENTS:
        # The statements core.prepared prepares are planned without their values from the first run
        # (a helper lane's new connection runs a few counties, fewer than the five value-planned
        # runs PostgreSQL would make before choosing): only statements whose plans do not depend
        # on their values are prepared, checked under generic plans by tests/performance/test_indexes.py.
        _pg["options"] += " -c plan_cache_mode=force_generic_plan"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------
# Authentication: custom user, object permissions (guardian), lockout (axes)
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Single sign-on through the province's OpenID Connect provider (apps/accounts/oidc.py,
# docs/accounts.md "Single sign-on"); mozilla-django-oidc: https://mozilla-django-oidc.readthedocs.io/
OIDC_ISSUER = env("OIDC_ISSUER", default="")
OIDC_ENABLED = bool(OIDC_ISSUER)
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_USERNAME_CLAIM = env("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_CREATE_USERS = env.bool("OIDC_CREATE_USERS", default=False)
OIDC_CREATE_USER = OIDC_CREATE_USERS  # mozilla-django-oidc's name for it
OIDC_RP_SIGN_ALGO = env("OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_SCOPES", default="openid profile email")
# Empty: read from the issuer's discovery document.
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_JWKS_ENDPOINT", default="")
OIDC_OP_END_SESSION_ENDPOINT = env("OIDC_END_SESSION_ENDPOINT", default="")
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
OIDC_STORE_ID_TOKEN = True  # the hint for single logout
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
# false: only single sign-on; password sign-in is refused everywhere (login page and /admin/).
PASSWORD_LOGIN_ENABLED = env.bool("PASSWORD_LOGIN_ENABLED", default=True)
AUTHENTICATION_BACKENDS = [
    "apps.accounts.oidc.PasswordLoginGate",  # first: refuses passwords when they are turned off
    *AUTHENTICATION_BACKENDS,
    "apps.accounts.oidc.PortalOIDCBackend",
]
# Password policy (等保 2.0 level 3, 8.1.4.1 身份鉴别 a): at least 10 characters from 3 of the 4
# classes, not containing the username, not one of the last 5 (apps/accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    # min_length: 安全设置 (apps.accounts.selectors.security_settings), default PASSWORD_MIN_LENGTH
    {"NAME": "apps.accounts.passwords.ComplexityValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "apps.accounts.passwords.HistoryValidator", "OPTIONS": {"count": 5}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# https://django-guardian.readthedocs.io/en/stable/configuration.html
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
# The limit and the lock time are 安全设置 values (the security administrator's, in /admin/);
# these two are their defaults, read by axes through the callables below.
LOCKOUT_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOCKOUT_MINUTES = env.int("LOCKOUT_MINUTES", default=30)
AXES_FAILURE_LIMIT = "apps.accounts.selectors.lockout_failure_limit"
AXES_COOLOFF_TIME = "apps.accounts.selectors.lockout_cooloff"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# 等保 2.0 level-3 identity and session controls (docs/accounts.md). On by default in production
# (DEBUG=false); the demo (DEBUG=true) leaves them off unless set explicitly. These are the
# deployment's defaults of 安全设置 (apps.accounts.models.SecuritySettings): once the security
# administrator saves 安全设置 in /admin/, its values apply (read through
# apps.accounts.selectors.security_settings(), never from here directly).
ACCOUNT_CONTROLS = env.bool("ACCOUNT_CONTROLS", default=not DEBUG)
# Minimum password length (at least 8; 3 of the 4 character classes are always required).
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=10)
# Days before a password expires and must be changed (0: never).
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90 if ACCOUNT_CONTROLS else 0)
# Minutes without a request before the session ends, and the warning shown that long before (0: off).
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30 if ACCOUNT_CONTROLS else 0)
SESSION_IDLE_WARNING_MINUTES = env.int("SESSION_IDLE_WARNING_MINUTES", default=5)
# Hours after login when the session ends whatever the activity (0: off).
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12 if ACCOUNT_CONTROLS else 0)
# A new login ends the account's earlier session, whose browser is told why.
SESSION_ONE_PER_ACCOUNT = env.bool("SESSION_ONE_PER_ACCOUNT", default=ACCOUNT_CONTROLS)
# Roles that must log in with a TOTP code (django-otp) as a second factor.
MFA_REQUIRED_ROLES = env.list(
    "MFA_REQUIRED_ROLES",
    default=["system_admin", "security_admin", "audit_admin", "auditor", "county_official"] if ACCOUNT_CONTROLS else [],
)
# https://django-otp-official.readthedocs.io/en/stable/overview.html#totp-devices
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="应急合规平台")
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60 or 14 * 24 * 60 * 60

# ------------------------------------------------------------------------------
# Internationalisation: the UI is Simplified Chinese
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Only Chinese: a browser asking for English must not get a page half in English (Django's own
# strings would switch language while ours stay Chinese).
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# ------------------------------------------------------------------------------
# Static and media files: everything served locally, never from a CDN
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves /static/ from every web process (gunicorn in docker compose has no nginx in
# front): compressed copies and hashed names cached for a year. Before collectstatic has run
# (development, tests) the storage falls back to plain names, see apps/core/staticfiles.py.
# https://whitenoise.readthedocs.io/en/stable/django.html
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "apps.core.staticfiles.CompressedManifestStorage"},
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # attachments are served only through a permission check
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# ------------------------------------------------------------------------------
# Email: EMAIL_URL (console in the demo)
# ------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="应急合规平台 <noreply@localhost>")
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# ------------------------------------------------------------------------------
# Security (python manage.py check --deploy is clean when DEBUG is off)
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS=true in production (behind a TLS-terminating proxy) turns on the secure cookies,
# redirect and HSTS; the embedded default and the test suite run on plain http.
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# ------------------------------------------------------------------------------
# Cache: API throttle counters. Per process by default; set CACHE_URL (e.g. redis://host:6379/1)
# where several web processes serve the API, so a rate limit holds across all of them.
# ------------------------------------------------------------------------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
CACHES["default"].setdefault("KEY_PREFIX", "ecp")

# ------------------------------------------------------------------------------
# Celery: REDIS_URL, or in-process eager execution
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# Idempotent tasks are acknowledged after they finish and re-queued if the worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_TIME_LIMIT = 30 * 60
# Must exceed the longest task (30 min), or Redis re-delivers a task that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_TRACK_STARTED = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# ------------------------------------------------------------------------------
# REST API: /api/v1/, documented with OpenAPI (drf-spectacular)
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Integrations send an API token (docs/api.md); browsers use their session. No Basic auth:
    # a password on every request, and no way to revoke one integration without the user.
    # The token class comes first so bad credentials get 401 + WWW-Authenticate (see its docstring).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's UserRateThrottle, failing open when its cache (Redis) is down: see apps/core/throttling.py.
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("API_THROTTLE_RATE", default="6000/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "应急合规 Emergency Compliance Portal API",
    "DESCRIPTION": "Read the policy catalog, evidence records and compliance evaluations of the "
    "units in your jurisdiction, and push evidence records. Authenticate with an API token "
    "(`Authorization: Bearer <token>`); you see exactly the units your token's owner is granted. "
    "Guide: docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files instead of a CDN:
    # https://drf-spectacular.readthedocs.io/en/latest/client_generation.html#swagger-ui-and-redoc
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the public validator.swagger.io from the docs page (offline networks, no leaks).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Several apps have a field called "status": give the compliance statuses a stable name.
    "ENUM_NAME_OVERRIDES": {"ComplianceStatusEnum": "apps.compliance.serializers.STATUS_CHOICES"},
}

# ------------------------------------------------------------------------------
# Compliance settings (see docs/semantics.md)
# ------------------------------------------------------------------------------
COMPLIANCE_DUE_SOON_DAYS = env.int("COMPLIANCE_DUE_SOON_DAYS", default=30)
COMPLIANCE_GRADE_EXCELLENT = env.int("COMPLIANCE_GRADE_EXCELLENT", default=90)
COMPLIANCE_GRADE_PASS = env.int("COMPLIANCE_GRADE_PASS", default=60)
# Timeliness (及时率): a period's records count as on time when created within this many days
# after the period's end (docs/semantics.md "报送率、及时率").
REPORTING_DEADLINE_DAYS = env.int("REPORTING_DEADLINE_DAYS", default=10)
# Snapshot retention: every night's snapshots for this many days, then one per month (0 keeps all).
COMPLIANCE_SNAPSHOT_DAILY_DAYS = env.int("COMPLIANCE_SNAPSHOT_DAILY_DAYS", default=400)
# Nightly run watchdog and reminder outbox (apps/compliance/services.py, docs/operations.md):
# a county silent this long is re-queued; a run still open at the deadline is closed as failed
# naming the missing counties; a reminder claimed this long ago by a dead worker is sent again.
COMPLIANCE_RUN_REQUEUE_MINUTES = env.int("COMPLIANCE_RUN_REQUEUE_MINUTES", default=30)
COMPLIANCE_RUN_DEADLINE_MINUTES = env.int("COMPLIANCE_RUN_DEADLINE_MINUTES", default=180)
COMPLIANCE_REMINDER_CLAIM_MINUTES = env.int("COMPLIANCE_REMINDER_CLAIM_MINUTES", default=15)
# The nightly fan-out (apps/compliance/tasks.py, docs/performance.md): counties per task, and
# how many of a task's counties are in progress at once in its process (a thread and a database
# connection each: a worker process holds this many connections during the night).
COMPLIANCE_NIGHT_COUNTIES_PER_TASK = env.int("COMPLIANCE_NIGHT_COUNTIES_PER_TASK", default=8)
COMPLIANCE_NIGHT_LANES = env.int("COMPLIANCE_NIGHT_LANES", default=2)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

# ------------------------------------------------------------------------------
# Security audit log (docs/security.md, "Security audit"): hash-chained, append-only
# ------------------------------------------------------------------------------
# "sm3" (GB/T 32905, the default) or "sha256"; each entry records the algorithm it used.
AUDIT_HASH_ALGORITHM = env("AUDIT_HASH_ALGORITHM", default="sm3")
# Entries younger than this are never pruned; 网络安全法 Art. 21 requires at least 180 days.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
# Behind a TLS proxy, the request header carrying the client address (e.g. HTTP_X_REAL_IP).

# ------------------------------------------------------------------------------
# Personal data at rest (docs/security.md, "个人信息加密存储"; issue 17)
# ------------------------------------------------------------------------------
# Keys live in the environment only, never in the database or the repository. PII_KEYS lists
# "<id>:<base64 key>" pairs, newest first: the first encrypts, all decrypt (rotate_pii_key).
# PII_INDEX_KEY (base64, 32 bytes) keys the blind index. DEBUG=true without keys derives a
# development key from SECRET_KEY (make demo); DEBUG=false without keys fails the system check.
PII_KEYS = env("PII_KEYS", default="")
PII_INDEX_KEY = env("PII_INDEX_KEY", default="")
PII_CIPHER = env("PII_CIPHER", default="sm4gcm")  # or "aes256gcm" (keys of 32 bytes)
PII_INDEX_HASH = env("PII_INDEX_HASH", default="hmac-sm3")  # or "hmac-sha256"
# Roles that may use 「查看完整信息」 (a reason is asked, each reveal audited) on records they may
# see but not edit; the unit's own township staff see their people's numbers anyway.
PII_REVEAL_ROLES = env.list("PII_REVEAL_ROLES", default=["county_official"])
PII_REVEAL_PER_HOUR = env.int("PII_REVEAL_PER_HOUR", default=30)  # per user, rolling clock hour
# Numbers of people who left more than this many years ago are erased (erase_expired_pii).
PII_RETENTION_YEARS = env.int("PII_RETENTION_YEARS", default=3)

# ------------------------------------------------------------------------------
# Logging: personal data is never logged (see apps.core.logging)
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "apps.core.logging.MaskPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_pii"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# ------------------------------------------------------------------------------
# Faults and reverse proxies (issue 12; docs/security.md, "fault or attack" table)
# ------------------------------------------------------------------------------
# PostgreSQL restart: a kept connection (CONN_MAX_AGE) is checked before a request reuses it, so
# the first request after a restart reconnects instead of answering 500 (or failing a login).
# https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
if not DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Redis down: API throttle counters fail open (REST_FRAMEWORK above) and give up quickly.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"].setdefault("OPTIONS", {}).update({"socket_connect_timeout": 1, "socket_timeout": 1})
# Broker down: queueing a job fails within 2 s, and the caller shows its clear message. By default
# the result backend retried its Redis connection 20 times a second apart (a web thread waited 19 s).
# https://docs.celeryq.dev/en/stable/userguide/configuration.html#broker-connection-timeout
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] = 0.5
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 0.5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
}
# Behind a reverse proxy: the proxies' addresses or networks (TRUSTED_PROXIES=10.0.0.2,172.18.0.0/16).
# Their X-Forwarded-For names the client, so django-axes locks out the client, not the proxy
# (apps/core/proxies.py; README "Behind a reverse proxy"). Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "apps.core.proxies.client_ip"
