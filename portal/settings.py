"""Settings of the portal, read from the environment through portal.env.

Without any variables set, the portal runs for a newcomer: SQLite under var/, tasks run
eagerly, e-mails are written to var/mail/. Production sets the variables listed in README.md.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from portal.env import ConfigError, Env

env = Env()
BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

# Debug is on by default only in the embedded mode (no DATABASE_URL: a newcomer's SQLite file).
# A real deployment always has a DATABASE_URL and so is off unless switched on explicitly.
EMBEDDED = env.optional_str("DATABASE_URL") is None
DEBUG = env.boolean("DJANGO_DEBUG", default=EMBEDDED)

if DEBUG:
    # Only ever used on a developer's machine: DEBUG must be off in production.
    SECRET_KEY = env.string("DJANGO_SECRET_KEY", "insecure-development-key-" + "x" * 40)
else:
    SECRET_KEY = env.string("DJANGO_SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ConfigError(
            "DJANGO_SECRET_KEY must be a random value of at least 50 characters "
            "(e.g. from: python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )

ALLOWED_HOSTS = env.strings("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.strings("DJANGO_CSRF_TRUSTED_ORIGINS")
PORTAL_BASE_URL = env.public_address(
    "PORTAL_BASE_URL", "http://localhost:8000", production=not DEBUG
)

INSTALLED_APPS = [
    "portal",
    "members",
    "declarations",
    "meetings",
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates for the FORM_RENDERER (TemplatesSetting)
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "template_partials",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    # Pages and the map's layer go out compressed (a tenth of their size on a slow line); static
    # files never reach it (WhiteNoise answers them above, precompressed). Django adds random
    # bytes to each compressed page against BREACH-style guessing of the CSRF token.
    "django.middleware.gzip.GZipMiddleware",
    # An ETag on what anonymous visitors get (never on a private, no-store answer), and 304 Not
    # Modified for a browser that has that copy already: a repeat visit to a public page costs
    # its headers, not the page (issue 19). Inside GZip, so a plain page's tag is of its text.
    "django.middleware.http.ConditionalGetMiddleware",
    "portal.middleware.NulCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.PrivateWhenLoggedInMiddleware",
    "portal.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.accounts.middleware.StaffMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]
FORM_RENDERER = "portal.form_renderer.KernFormRenderer"

# --- Database -------------------------------------------------------------------------------
# SQLite is for a newcomer trying the portal or a small team (about ten people working at
# once); production uses PostgreSQL. So that ten people never see "database is locked":
# - IMMEDIATE transactions take the write lock at BEGIN. A transaction that read first and
#   wants to write later could otherwise be refused mid-way, which no waiting can cure;
# - the busy timeout lets a writer wait up to 20 s for the one before it instead of failing;
# - WAL lets everyone read while one writes; with it, synchronous=NORMAL is safe and quicker.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = env.url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            # A dropped connection (e.g. PostgreSQL restarted) is replaced on the next request.
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A team's SQLite file named by DATABASE_URL gets the same set-up; the URL may add more.
        DATABASES["default"]["OPTIONS"] = {
            **SQLITE_OPTIONS,
            **DATABASES["default"].get("OPTIONS", {}),
        }
else:
    # The embedded mode keeps its database and mails in var/, made on first start.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "portal.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -------------------------------------------------------------------------
REDIS_URL = env.url("REDIS_URL", schemes=("redis", "rediss"))
# The cache has a Redis of its own: it evicts the least used keys when full (allkeys-lru),
# which the broker's Redis must never do to queued tasks.
REDIS_CACHE_URL = env.url("REDIS_CACHE_URL", schemes=("redis", "rediss"))
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            # django-redis; a Redis that is away counts as a miss (portal/caching.py).
            "BACKEND": "portal.caching.FailOpenRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                # A hanging Redis must not hold up the page.
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
else:
    # One process's memory: the embedded mode, and a single process in general. With several
    # processes each counts the rate limits on its own.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# How old a public page may be for anonymous visitors; 0 makes every page afresh.
PORTAL_PAGE_CACHE_SECONDS = env.integer("PORTAL_PAGE_CACHE_SECONDS", 60, minimum=0)

# Sessions are read from the cache and written through to PostgreSQL: one query less on
# every logged-in page, and nothing lost when Redis restarts.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_BROKER_URL = env.url("CELERY_BROKER_URL", schemes=("redis", "rediss")) or REDIS_URL
# Without a broker (the newcomer's set-up) tasks run in the web process at once.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
# Publishing a task retries briefly: a person waits for the page, and if the broker is away
# the beat's sweeps hand the work over later (portal/queueing.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Berlin"
# Autodiscovery finds only tasks.py modules at the apps' top; the task modules inside capability
# packages (and those beside the work they run) are imported by the worker from this list.
CELERY_IMPORTS = (
    "meetings.events.tasks",
    "members.network_import.tasks",
    "portal.outbox.tasks",
    "portal.mailings.batches",
    "portal.mailings.fanout",
    "portal.mailings.services",
    "portal.yearly_report.tasks",
)
CELERY_BEAT_SCHEDULE = {
    "requeue-unsent-emails": {
        "task": "portal.outbox.tasks.requeue_unsent_emails",
        "schedule": env.integer("OUTBOX_REQUEUE_SECONDS", 300, minimum=10),
    },
    # Each run mails what is due and marks it, so a reminder goes at most 10 minutes late.
    # PDFs of signatures whose rendering never reached the queue (the broker was away).
    "render-missing-pdfs": {"task": "declarations.tasks.render_missing_pdfs", "schedule": 600},
    # Files previewed for the network import and never confirmed hold people's addresses.
    "delete-stale-import-previews": {
        "task": "members.network_import.tasks.delete_stale_previews",
        "schedule": 3600,
    },
    "send-event-reminders": {"task": "meetings.events.tasks.send_event_reminders", "schedule": 600},
    "send-event-followups": {"task": "meetings.events.tasks.send_event_followups", "schedule": 600},
    "delete-unconfirmed-guests": {
        "task": "meetings.events.tasks.delete_unconfirmed_guests",
        "schedule": 3600,
    },
    # Starts scheduled information e-mails (at most a minute late) and resumes stalled ones.
    "send-scheduled-mailings": {
        "task": "portal.mailings.services.send_scheduled_mailings",
        "schedule": 60,
    },
}

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_HOST = env.optional_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.integer("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env.boolean("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 20, minimum=1)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ConfigError("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true.")
else:
    # The newcomer reads mails as files here, and every mail is also in the outbox in admin.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.email(
    "DEFAULT_FROM_EMAIL", "Kommunen-Netzwerk NRW <netzwerk@kommunen-netzwerk.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_REPLY_TO_EMAIL = env.email("PORTAL_REPLY_TO_EMAIL", "netzwerk@kommunen-netzwerk.example")
# Where the network team is told of new applications and answers.
PORTAL_TEAM_EMAIL = env.email("PORTAL_TEAM_EMAIL", PORTAL_REPLY_TO_EMAIL)
# The accessibility statement's contact of the enforcement body (the Ombudsstelle für
# barrierefreie Informationstechnik NRW): postal address, telephone, e-mail as the office
# publishes them. Staff confirm and enter them; until then the statement names the office and
# links to its website only, and invents no address.
ACCESSIBILITY_ENFORCEMENT_CONTACT = env.string("ACCESSIBILITY_ENFORCEMENT_CONTACT", "")
OUTBOX_MAX_ATTEMPTS = env.integer("OUTBOX_MAX_ATTEMPTS", 5, minimum=1)
# Information e-mails go out in batches over one SMTP connection each, at most this many a
# minute (mail providers throttle or block senders that send too much at once).
MAILING_BATCH_SIZE = env.integer("MAILING_BATCH_SIZE", 100, minimum=1)
MAILING_RATE_PER_MINUTE = env.integer("MAILING_RATE_PER_MINUTE", 600, minimum=1)
# Batches of one mailing that run side by side, each over its own connection; they share the
# rate. One connection spends most of its time waiting for the server's answers.
MAILING_CONNECTIONS = env.integer("MAILING_CONNECTIONS", 2, minimum=1)

# --- Accounts (django-allauth) ----------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# Confirming the address logs in only in the browser that signed up (allauth keeps the pending
# login in that session), so a new person - an invited head of administration, say - lands in
# the portal instead of on the login page.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_ADAPTER = "portal.accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "portal.accounts.forms.SignupForm"
# allauth's defaults limit login failures, sign-ups, password resets and confirmation mails;
# they are stated here so that they stay on.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "send_email": "5/m/key",
    "change_email": "1/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kommunen-Netzwerk NRW"
# Staff must have TOTP before they may use Django admin. On in production; the embedded demo
# may switch it off so that a newcomer can look around at once.
PORTAL_STAFF_MFA_REQUIRED = env.boolean("PORTAL_STAFF_MFA_REQUIRED", default=not DEBUG)

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# locale/ is made by makemessages from our sources; locale-overrides/ corrects third-party
# catalogues (allauth's German says "du", the portal says "Sie"). Both beat the apps' own.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-overrides"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
# English dates as readers in Europe write them (1 March 2027, 2027-03-01, 14:30).
FORMAT_MODULE_PATH = ["portal.formats"]
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.string("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # css/site.css: KERN's stylesheet and the portal's in one (scripts/lib.sh, build_stylesheet).
    BASE_DIR / "build" / "static",
    ("kern", BASE_DIR / "node_modules" / "@kern-ux" / "native" / "dist"),
]
# Never served as a folder (portal/urls.py): files reach people through checking views only.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.string("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
# The append-only log of erasures (numbers only) that a restore replays. It must live outside
# the database and outside the backups, on storage that survives the loss of both.
ERASURE_LOG_PATH = Path(
    env.string("PORTAL_ERASURE_LOG", str(VAR_DIR / "erasures" / "erasures.jsonl"))
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The language choice (the footer's switch) is read by the server only.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not from the cookie.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Only the portal's own files, and no inline script anywhere: an injected <script> or on…=
# attribute does not run. The few admin pages with a <style> block mark it with the request's
# nonce (django-csp only puts the nonce into the header where a page used it). The reasons and
# the one per-view exception are in docs/security.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],  # allauth shows the TOTP QR code as a data: image
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Browser features the portal never uses, switched off for it and anything it might embed.
PERMISSIONS_POLICY = [
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
    "xr-spatial-tracking",
]
if not DEBUG:
    SESSION_COOKIE_SECURE = env.boolean("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.boolean("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.integer("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.boolean("DJANGO_HSTS_PRELOAD", default=True)
    # Behind a TLS-terminating proxy (docker-compose, a load balancer) the proxy says https.
    if env.boolean("DJANGO_BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        # Every request then comes from the proxy's address: the login rate limits per IP
        # must count the client's address, the last one the proxy appended to X-Forwarded-For.
        ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # The health endpoint is polled over plain HTTP inside the container network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# Routes only the benchmark harness switches on, to measure a bare Django view beside pages.
PORTAL_BENCHMARK_VIEWS = env.boolean("PORTAL_BENCHMARK_VIEWS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.string("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint and fontTools log every render step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
