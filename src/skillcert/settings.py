"""Django settings for skillcert, read from the environment (see README, "Configuration").

Development mode (the default) needs nothing: SQLite in WAL mode under ``var/``, a secret
key generated once into ``var/secret_key``, Celery tasks run inline. Production mode
(``SKILLCERT_DEBUG=0``) refuses to start without ``SKILLCERT_SECRET_KEY`` and
``SKILLCERT_ALLOWED_HOSTS`` and passes ``manage.py check --deploy`` with no warnings.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("SKILLCERT_VAR_DIR", PROJECT_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("SKILLCERT_DEBUG", True)
PRODUCTION = not DEBUG


def _secret_key() -> str:
    key = os.environ.get("SKILLCERT_SECRET_KEY", "").strip()
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SKILLCERT_SECRET_KEY must be set when SKILLCERT_DEBUG=0")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

if PRODUCTION:
    ALLOWED_HOSTS = [h.strip() for h in os.environ.get("SKILLCERT_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("SKILLCERT_ALLOWED_HOSTS must list the host names when SKILLCERT_DEBUG=0")
else:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

# Number of reverse proxies (load balancers) in front of the app that append to X-Forwarded-For.
# 0: the client address is REMOTE_ADDR. Behind one load balancer set 1, or every client would
# share the balancer's address for login throttling and the audit log.
SKILLCERT_TRUSTED_PROXY_COUNT = int(os.environ.get("SKILLCERT_TRUSTED_PROXY_COUNT", "0"))

CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SKILLCERT_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "skillcert.core",
    "skillcert.catalog",
    "skillcert.accounts",
    "skillcert.registration",
    "skillcert.integrity",
    "skillcert.scheduling",
    "skillcert.itembank",
    "skillcert.papers",
    "skillcert.delivery",
    "skillcert.grading",
    "skillcert.certificates",
    "skillcert.demo",
    "skillcert.console",
    "skillcert.portal",
    "skillcert.public",
    "skillcert.exam",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "skillcert.core.csp.ContentSecurityPolicyMiddleware",
    "skillcert.core.context.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "skillcert.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "skillcert.urls"
WSGI_APPLICATION = "skillcert.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "skillcert.console.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{VAR_DIR / 'skillcert.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DEBUG else 60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: readers never block the writer; IMMEDIATE: a write transaction takes the lock
    # at BEGIN, so concurrent writers queue instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, background work -------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL  # no broker: tasks run inline
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
# The exam clock's job (delivery/tasks.py): absentees, deadlines, closing rooms.
CELERY_BEAT_SCHEDULE = {"delivery-tick": {"task": "delivery.tick", "schedule": 5.0},
                        # a signed audit checkpoint (core/tasks.py) every five minutes
                        "audit-checkpoint": {"task": "core.audit_checkpoint", "schedule": 300.0}}

# --- Authentication and login security (§10.8–§10.9) --------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "skillcert.accounts.validators.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email", "phone", "id_number")},
    },
    {"NAME": "skillcert.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "skillcert.accounts.validators.CommonPasswordValidator"},
    {"NAME": "skillcert.accounts.validators.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:home"

SKILLCERT_LOCKOUT_THRESHOLD = 5  # failures for one account ...
SKILLCERT_LOCKOUT_WINDOW_SECONDS = 15 * 60  # ... within this window ...
SKILLCERT_LOCKOUT_SECONDS = 15 * 60  # ... lock it this long, whatever IPs they come from
SKILLCERT_IP_THROTTLE_THRESHOLD = 20  # failures from one IP within the window block that IP
SKILLCERT_STAFF_IDLE_SECONDS = 30 * 60
# Candidates on the portal too (issue #20 item 6c); the exam player authenticates with its own bearer
# token, not the portal session, so a candidate sitting an exam is never cut by this.
SKILLCERT_CANDIDATE_IDLE_SECONDS = 30 * 60
# Throttles (accounts/throttle.py): (attempts, window in seconds).
SKILLCERT_THROTTLE_EXAM_LOGIN_TICKET = (10, 10 * 60)  # refused exam log-ins per ticket number
SKILLCERT_THROTTLE_EXAM_LOGIN_ADDRESS = (100, 10 * 60)  # ... per address (a room's computers may share one)
SKILLCERT_THROTTLE_RESET_ADDRESS = (10, 60 * 60)  # password reset requests per address
SKILLCERT_THROTTLE_RESET_ACCOUNT = (3, 60 * 60)  # reset mails per account
SKILLCERT_THROTTLE_SIGNUP_ADDRESS = (10, 60 * 60)  # refused sign-ups per address
# A password reset link works once (the token covers the password hash) and for 30 minutes.
PASSWORD_RESET_TIMEOUT = 30 * 60
SKILLCERT_TOTP_ISSUER = "skillcert"

SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
CSRF_COOKIE_HTTPONLY = True

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SKILLCERT_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SKILLCERT_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG  # development: serve straight from the app folders, no collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads are kept outside the web root and only ever served through views that check access.
MEDIA_ROOT = VAR_DIR / "protected"
SKILLCERT_ITEM_KEY = os.environ.get("SKILLCERT_ITEM_KEY", str(VAR_DIR / "keys" / "item.key"))
# Ed25519 key that signs admission-ticket QR codes; venues verify offline with the public half.
SKILLCERT_TICKET_KEY = os.environ.get("SKILLCERT_TICKET_KEY", str(VAR_DIR / "keys" / "ticket.key"))
# Ed25519 key that signs certificates; the public half is published at /.well-known/skillcert-certificate-key.
SKILLCERT_CERTIFICATE_KEY = os.environ.get("SKILLCERT_CERTIFICATE_KEY", str(VAR_DIR / "keys" / "certificate.key"))
# Ed25519 key outside the database that keys the audit chain's hashes (HMAC) and signs its checkpoints (§10.9);
# the checkpoints go to an append-only file the database cannot rewrite, every N entries and on schedule.
SKILLCERT_AUDIT_KEY = os.environ.get("SKILLCERT_AUDIT_KEY", str(VAR_DIR / "keys" / "audit.key"))
SKILLCERT_AUDIT_CHECKPOINTS = os.environ.get("SKILLCERT_AUDIT_CHECKPOINTS",
                                             str(VAR_DIR / "audit" / "checkpoints.jsonl"))
SKILLCERT_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("SKILLCERT_AUDIT_CHECKPOINT_EVERY", "100"))
# Public verification (§8.3): lookups per client address and minute.
SKILLCERT_VERIFY_PER_MINUTE = int(os.environ.get("SKILLCERT_VERIFY_PER_MINUTE", "20"))
# The CJK font embedded in every PDF (a TrueType .ttf/.ttc). `make install` fetches WenQuanYi Micro Hei
# from Debian's archive into var/fonts/; the system's copy is used when that is absent.
SKILLCERT_PDF_FONT = os.environ.get("SKILLCERT_PDF_FONT", str(PROJECT_DIR / "var" / "fonts" / "wqy-microhei.ttc"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SKILLCERT_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Mail (candidate notifications) ------------------------------------------------------
# Development writes each mail to a file under var/mail/ (the demo sends hundreds: they must not bury the
# logins `make run` prints); production sets an SMTP server.
EMAIL_BACKEND = os.environ.get(
    "SKILLCERT_EMAIL_BACKEND",
    f"django.core.mail.backends.{'smtp' if PRODUCTION else 'filebased'}.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("SKILLCERT_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("SKILLCERT_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SKILLCERT_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SKILLCERT_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SKILLCERT_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("SKILLCERT_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("SKILLCERT_EMAIL_FROM", "skillcert@localhost")

# --- Uploads (§6.1.3 materials, certificate photos) ----------------------------------------
SKILLCERT_DOCUMENT_MAX_BYTES = int(os.environ.get("SKILLCERT_DOCUMENT_MAX_BYTES", str(5 * 1024 * 1024)))
SKILLCERT_PHOTO_MAX_BYTES = int(os.environ.get("SKILLCERT_PHOTO_MAX_BYTES", str(500 * 1024)))
SKILLCERT_IMPORT_MAX_BYTES = int(os.environ.get("SKILLCERT_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# No uploaded file is received past this, whatever the form (core/uploads.py); each kind has its own limit above.
SKILLCERT_UPLOAD_MAX_BYTES = int(os.environ.get(
    "SKILLCERT_UPLOAD_MAX_BYTES", str(max(SKILLCERT_IMPORT_MAX_BYTES, SKILLCERT_DOCUMENT_MAX_BYTES))))
FILE_UPLOAD_HANDLERS = [
    "skillcert.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
# Public address of this installation, for links in e-mails.
SKILLCERT_SITE_URL = os.environ.get("SKILLCERT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
