"""Parley settings: everything that differs between machines comes from the environment."""

import base64
import binascii
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# `./parley demo` and the tests run in development mode: the keys below, which are public in this
# repository, and cookies over plain HTTP. Anything else is production, which must bring its own
# keys and refuses to start with these.
PARLEY_DEV = env.bool("PARLEY_DEV", default=False)
DEV_SECRET_KEY = "insecure-dev-only-key-change-me"  # noqa: S105 - public on purpose, refused in production
DEV_FERNET_KEY = "dGhpcy1pcy1hLWRldi1vbmx5LWtleS0zMmJ5dGVzISE="


def _fernet_key_bytes(key: str) -> bytes:
    # Fernet decodes a key leniently (spaces and other stray characters are skipped), so the
    # repository's key is recognised by the 32 bytes it decodes to, not by how it is written.
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            "PARLEY_SECRET_KEYS: a key is not a Fernet key (32 url-safe base64-encoded bytes, see README)."
        )
    return raw


SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY if PARLEY_DEV else "")
# Fernet keys for channel secrets; the first encrypts, all decrypt, so keys can be rotated.
# "new, old" is read as two keys, spaces dropped.
PARLEY_SECRET_KEYS = [
    key.strip() for key in env.list("PARLEY_SECRET_KEYS", default=[DEV_FERNET_KEY] if PARLEY_DEV else []) if key.strip()
]
if not PARLEY_DEV:
    if not SECRET_KEY or SECRET_KEY.strip() == DEV_SECRET_KEY:
        raise ImproperlyConfigured("Set SECRET_KEY (a long random string): the repository's key is for development only.")
    if not PARLEY_SECRET_KEYS or _fernet_key_bytes(DEV_FERNET_KEY) in map(_fernet_key_bytes, PARLEY_SECRET_KEYS):
        raise ImproperlyConfigured(
            "Set PARLEY_SECRET_KEYS (Fernet keys, see README): the repository's key is for development only."
        )

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "csp",
    "axes",
    "accounts",
    "inbox",
    "channels_app",
    "sla",
    "automation",
    "demo",
]

MIDDLEWARE = [
    "config.healthz.HealthzMiddleware",  # first: health checks come over plain HTTP to 127.0.0.1
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox:queue"
LOGOUT_REDIRECT_URL = "login"

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
                "csp.context_processors.nonce",
                "channels_app.context_processors.channel_alerts",
                "accounts.context_processors.time_zone",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'parley.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs web and in-process workers on one file: WAL lets readers and one writer coexist.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The reports' covering index (INCLUDE) is a PostgreSQL speed-up; SQLite builds it without the
    # extra columns, which is all the demo needs, so its start-up warning says nothing to act on.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# Each test run names its own database so two runs never drop each other's.
DATABASES["default"]["TEST"] = {"NAME": env("PARLEY_TEST_DB", default=None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# A run id keeps queues and channel groups of concurrent test runs apart on one Redis.
PARLEY_RUN_ID = env("PARLEY_RUN_ID", default="")
_prefix = f"parley-{PARLEY_RUN_ID}" if PARLEY_RUN_ID else "parley"

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": _prefix, "capacity": 1000, "expiry": 30},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CELERY_TASK_DEFAULT_QUEUE = _prefix
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": _prefix,
        }
    }
else:
    # Embedded mode (demo, tests without Redis): one process runs web and workers together.
    CHANNEL_LAYERS = {"default": {"BACKEND": "config.inprocess_layer.ThreadSafeInMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
    CELERY_TASK_DEFAULT_QUEUE = _prefix
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Workers that die lose nothing (README, Reliability): a task is acknowledged only when it is done,
# a worker killed mid-task gives it back, each worker holds one task at a time, and Redis hands an
# unacknowledged task to another worker after PARLEY_BROKER_VISIBILITY_TIMEOUT_MINUTES.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * env.int("PARLEY_BROKER_VISIBILITY_TIMEOUT_MINUTES", default=10),
    "global_keyprefix": f"{_prefix}:",
}
# The worker logs through LOGGING below, with its fields, rather than Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "sla-detect-due": {"task": "sla.tasks.detect_due_flags", "schedule": 1.0},
    "channels-poll-due": {"task": "channels_app.tasks.poll_due_channels", "schedule": 5.0},
    "channels-sweep-stuck-sends": {"task": "channels_app.tasks.sweep_stuck_sends", "schedule": 60.0},
    "sla-sweep-unscored": {"task": "sla.tasks.sweep_unscored", "schedule": 30.0},
    "channels-sweep-webhook-events": {"task": "channels_app.tasks.sweep_webhook_events", "schedule": 30.0},
    "channels-prune-webhook-events": {"task": "channels_app.tasks.prune_webhook_events", "schedule": 3600.0},
    "automation-unassigned": {"task": "automation.tasks.sweep_unassigned", "schedule": 60.0},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Transport security: on by default in production, which runs behind TLS; each can be set from the
# environment (README, Production). Off in development, which serves plain HTTP on 127.0.0.1.
_secure = not PARLEY_DEV
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_secure)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_secure)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_secure)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_secure)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_secure)
# Behind a TLS-terminating proxy: the header it sets for HTTPS requests, e.g.
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. Set it only when the proxy always sets or
# strips that header, or a client could claim HTTPS.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1]) if len(_proxy_header) == 2 else None

# Login throttling (django-axes): after PARLEY_LOGIN_FAILURE_LIMIT wrong passwords for one username,
# or from one address, logins from it are refused for PARLEY_LOGIN_COOLOFF_MINUTES; an admin can
# unlock sooner at /settings/security/lockouts/.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("PARLEY_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("PARLEY_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The lockout ends PARLEY_LOGIN_COOLOFF_MINUTES after the last wrong password, as the lockout page
# says; tries while locked out are refused unchecked, so they gain a guesser nothing, and they
# must not keep someone who tries again every minute locked out for good (axes' default).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# The number of reverse proxies in front of daphne, so the client's address is read from
# X-Forwarded-For (accounts.signals.client_address); 0 trusts no header. Left at 0 behind a proxy,
# every login would seem to come from the proxy, and one guesser would lock everyone out.
PARLEY_PROXY_COUNT = env.int("PARLEY_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.signals.client_address"

# Customer content is hostile: no inline scripts, no remote images unless asked for per message.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],  # CSP 3: 'self' covers ws/wss to this origin
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Outbound mail of Parley itself (set-password links), not of the email channels: e.g.
# EMAIL_URL=smtp+tls://user:password@smtp.example.com:587. Without it mail is printed to the log.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Parley <parley@localhost>")

PARLEY_REOPEN_WINDOW_DAYS = env.int("PARLEY_REOPEN_WINDOW_DAYS", default=7)
PARLEY_PUBLIC_URL = env("PARLEY_PUBLIC_URL", default="http://127.0.0.1:8000")
PARLEY_INPROCESS_WORKERS = env.bool("PARLEY_INPROCESS_WORKERS", default=False)
# Unset: each simulated channel's own peak rate (config "rate_per_minute"); set: every channel's peak.
PARLEY_SIMULATED_RATE_PER_MINUTE = env.float("PARLEY_SIMULATED_RATE_PER_MINUTE", default=None)
FACEBOOK_GRAPH_VERSION = env("FACEBOOK_GRAPH_VERSION", default="v25.0")
# Stored webhook deliveries (README, Reliability): a pending one this old with no attempt booked is
# swept up, a failing one is given up this long after it arrived, a processed one is pruned after.
PARLEY_WEBHOOK_SWEEP_AFTER_SECONDS = env.int("PARLEY_WEBHOOK_SWEEP_AFTER_SECONDS", default=120)
PARLEY_WEBHOOK_GIVE_UP_HOURS = env.int("PARLEY_WEBHOOK_GIVE_UP_HOURS", default=49)
PARLEY_WEBHOOK_RETENTION_DAYS = env.int("PARLEY_WEBHOOK_RETENTION_DAYS", default=14)
# Report figures older than this are recomputed by the worker while the page shows them, marked
# with the time they were taken (sla/reports/snapshots.py).
PARLEY_REPORT_FRESH_SECONDS = env.int("PARLEY_REPORT_FRESH_SECONDS", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # JSON lines in production, key=value in the demo and development (PARLEY_LOG_FORMAT=json|keyvalue).
    "formatters": {
        "json": {"()": "config.log_format.JsonFormatter"},
        "keyvalue": {"()": "config.log_format.KeyValueFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("PARLEY_LOG_FORMAT", default="keyvalue" if PARLEY_DEV else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        # At DEBUG these print bearer tokens, consumer keys and access tokens; never go below INFO.
        "tweepy": {"level": "INFO"},
        "oauthlib": {"level": "INFO"},
        "requests_oauthlib": {"level": "INFO"},
        "imapclient": {"level": "INFO"},
    },
}
