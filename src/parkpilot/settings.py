"""ParkPilot settings. What a deployment changes comes from the environment (docs/operations.md)."""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

from parkpilot.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout's root when running from a clone (editable install); front-end assets live there.
SOURCE_ROOT = PACKAGE_DIR.parent.parent
DATA_DIR = Path(env_str("PARKPILOT_DATA_DIR", str(Path.cwd() / "var"))).resolve()
FRONTEND_DIR = Path(env_str("PARKPILOT_FRONTEND_DIR", str(SOURCE_ROOT / "frontend"))).resolve()

DEBUG = env_bool("PARKPILOT_DEBUG", False)


def _secret_key() -> str:
    """A fixed key from the environment, or one generated once and kept in the data directory."""
    configured = env_str("PARKPILOT_SECRET_KEY", "")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("PARKPILOT_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("PARKPILOT_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "template_partials",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "parkpilot.tenancy",
    "parkpilot.energy",
    "parkpilot.carbon",
    "parkpilot.economy",
    "parkpilot.projects",
    "parkpilot.services",
    "parkpilot.ledger",
    "parkpilot.points",
    "parkpilot.bus",
    "parkpilot.cockpit",
    "parkpilot.notifications",
    "parkpilot.alerts",
    "parkpilot.grid",
    "parkpilot.sinks",
    "parkpilot.space",
    "parkpilot.talent",
    "parkpilot.residents",
    "parkpilot.portal",
    "parkpilot.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "parkpilot.middleware.SecurityHeaders",
    "parkpilot.domain_errors.DomainErrors",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parkpilot.urls"
ASGI_APPLICATION = "parkpilot.asgi.application"
WSGI_APPLICATION = "parkpilot.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "parkpilot.portal.context_processors.shell",
            ],
        },
    }
]


def _database() -> dict:
    url = env_str("DATABASE_URL", "")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "parkpilot.sqlite3",
            "OPTIONS": {
                # WAL lets readers (pages) run while a writer (ingestion) commits;
                # IMMEDIATE takes the write lock up front instead of failing mid-transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # A file (not memory) so worker subprocesses in tests can open it; one per process
            # so test runs side by side do not share it.
            "TEST": {"NAME": DATA_DIR / f"test-parkpilot-{os.getpid()}.sqlite3"},
        }
    try:
        config = dj_database_url.parse(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {exc}") from exc
    config["TEST"] = {"NAME": f"test_{config['NAME']}_{os.getpid()}"}
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Under ASGI every request may run in its own thread; a pool (psycopg_pool) bounds the
        # server's connections instead of one kept per thread (Django's advice for ASGI).
        config["CONN_MAX_AGE"] = 0
        # A connection the server dropped (restart, failover) is replaced, not handed out:
        # Django makes the pool check each connection it lends when health checks are on.
        config["CONN_HEALTH_CHECKS"] = True
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("PARKPILOT_DB_POOL_MIN", 2),
            "max_size": env_int("PARKPILOT_DB_POOL_MAX", 20),
            "timeout": env_int("PARKPILOT_DB_POOL_TIMEOUT", 10),
        }
    if config["ENGINE"] not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        raise ImproperlyConfigured("DATABASE_URL: ParkPilot supports postgres:// and sqlite://")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenancy.User"
# django-axes checks every password sign-in (the login page and /admin/login/) before our backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "parkpilot.tenancy.backends.ParkPilotBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"

# Argon2id first (new and re-saved passwords); PBKDF2 still checks older hashes, which Django
# re-hashes with Argon2 at their next sign-in.
PASSWORD_HASHERS = [
    "parkpilot.tenancy.backends.ParkPilotArgon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("PARKPILOT_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
_NODE_MODULES = FRONTEND_DIR / "node_modules"
# Third-party front-end code comes from npm at install time (frontend/package.json).
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    ("vendor/htmx", _NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", _NODE_MODULES / "echarts" / "dist"),
    ("vendor/pico", _NODE_MODULES / "@picocss" / "pico" / "css"),
    ("vendor/leaflet", _NODE_MODULES / "leaflet" / "dist"),
]
WHITENOISE_USE_FINDERS = env_bool("PARKPILOT_STATIC_FROM_FINDERS", True)

# Login throttling (django-axes, docs/operations.md). Failures count per user name *and* address:
# a stranger elsewhere cannot lock a resident out, and one company's NAT address is not locked
# for all its staff. After the limit that pair waits out the cool-off; staff can unlock earlier.
AXES_FAILURE_LIMIT = env_int("PARKPILOT_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("PARKPILOT_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "parkpilot.tenancy.logins.lockout_response"
# Behind a reverse proxy, how many proxies append to X-Forwarded-For (0: use the peer address).
AXES_IPWARE_PROXY_COUNT = env_int("PARKPILOT_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False

# Uploads stop while they stream in once a request's files pass this (parkpilot.uploads); each
# form has its own, smaller limit besides (attachments 20 MB).
PARKPILOT_UPLOAD_MAX_BYTES = env_int("PARKPILOT_UPLOAD_MAX_MB", 50) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "parkpilot.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("PARKPILOT_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS in production (docs/operations.md): redirect plain HTTP, then tell browsers to stay on
# HTTPS (HSTS). Behind a TLS proxy, PARKPILOT_PROXY_SSL says to trust its X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("PARKPILOT_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("PARKPILOT_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PARKPILOT_HSTS_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("PARKPILOT_HSTS_PRELOAD", False)
if env_bool("PARKPILOT_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
# Submitting a domain to the browsers' HSTS preload list is its owner's decision, not the app's.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp, docs/architecture.md "Tenancy and security"): scripts only
# from our own static files or an inline <script nonce="{{ request.csp_nonce }}">; no inline
# event handlers, no eval (so no hx-on). Style *attributes* stay allowed: ECharts writes its
# tooltips as HTML with style="..." and templates size charts with one; a <style> element needs
# the nonce, so injected markup cannot bring a stylesheet (the CSS that reads attributes out).
# Browsers without the CSP3 -elem/-attr directives fall back to style-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF, csp_constants.NONCE],
        "style-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
        "style-src-elem": [csp_constants.SELF, csp_constants.NONCE],
        "style-src-attr": [csp_constants.UNSAFE_INLINE],
        "img-src": [csp_constants.SELF, "data:", "blob:"],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
        "form-action": [csp_constants.SELF],
    }
}


def _huey() -> dict:
    """Background tasks and the periodic scheduler (rollups, reports, alerts, escalations).

    Redis when PARKPILOT_REDIS_URL is set (production), else a SQLite file beside the data, so
    the demo needs no server. PARKPILOT_HUEY_IMMEDIATE=1 runs tasks in-process (tests)."""
    immediate = env_bool("PARKPILOT_HUEY_IMMEDIATE", False)
    redis_url = env_str("PARKPILOT_REDIS_URL", "")
    config: dict = {"name": "parkpilot", "immediate": immediate, "utc": True}
    if redis_url and not immediate:
        config |= {"huey_class": "huey.PriorityRedisHuey", "connection": {"url": redis_url}}
    elif not immediate:
        config |= {"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "huey.sqlite3")}
    return config


HUEY = _huey()

# Every API list pages through the bounded limit/offset (also where @paginate names no class).
NINJA_PAGINATION_CLASS = "parkpilot.pagination.LimitOffsetPagination"
# Energy intake's time bounds: readings dated before this day (UTC) or more than this many
# seconds ahead of the server's clock are refused (a point's commissioning date raises the floor).
PARKPILOT_ENERGY_EARLIEST = env_str("PARKPILOT_ENERGY_EARLIEST", "2000-01-01")
PARKPILOT_ENERGY_FUTURE_S = env_int("PARKPILOT_ENERGY_FUTURE_S", 300)

# Carbon: an ended month closes by itself once its data completeness reaches this share
# (percent), or this many days after its end, whichever comes first (docs/carbon.md).
PARKPILOT_CLOSE_COMPLETENESS = env_int("PARKPILOT_CLOSE_COMPLETENESS", 95)
PARKPILOT_CLOSE_AFTER_DAYS = env_int("PARKPILOT_CLOSE_AFTER_DAYS", 5)
PARKPILOT_DEMO_PASSWORD = env_str("PARKPILOT_DEMO_PASSWORD", "qingshanhu-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PARKPILOT_LOG_LEVEL", "INFO")},
}

# Where notifications go besides the bell (parkpilot/notifications/senders.py): dotted paths.
PARKPILOT_NOTIFICATION_SENDERS = env_list(
    "PARKPILOT_NOTIFICATION_SENDERS", ["parkpilot.notifications.senders.ConsoleSender"]
)
