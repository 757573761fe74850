"""Settings for the events and leadership academy service.

Every value that differs between machines comes from the environment (or a
`.env` file beside manage.py, which `make` writes for local use). The README
has a table of every variable. Nothing here is read from Django settings at
import time elsewhere in the code.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE lets tests and operators point at another file, or at none at all
# (ENV_FILE=/dev/null). Real environment variables always win over the file.
_env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    env.read_env(_env_file, overwrite=False)

# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. "
            "Set it in the environment or in .env (make writes one for local use)."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

SERVICE_NAME = env.str("SERVICE_NAME", default="Digital Leaders Events and Academy")
NETWORK_NAME = env.str("NETWORK_NAME", default="Public Sector Digital Leaders Network")

INSTALLED_APPS = [
    # Ours first so that our templates override those of the packages below.
    # Listed bottom-up, in the order of DESIGN.md's import chain.
    "core",
    "accounts",
    "payments",
    "events",
    "academy",
    "badges",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.service",
            ],
        },
    },
]
FORM_RENDERER = "core.forms.GovukFormRenderer"

# --- Database, cache, background work ------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the qcluster read while the other writes;
    # IMMEDIATE transactions take the write lock up front, which is the only
    # row lock SQLite has (select_for_update is a no-op there).
    # A file, not memory, for the test database: one test starts a real
    # qcluster process that must see the same rows. One file per test run.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")
    )
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # A cache every process shares, so rate limits hold across gunicorn workers.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

Q_CLUSTER = {
    "name": "events",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=300),
    "retry": env.int("Q_RETRY", default=360),
    "max_attempts": 5,
    "catch_up": False,
    "label": "Background tasks",
    "sync": env.bool("Q_SYNC", default=False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

# --- Accounts ----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupProfileForm"
ACCOUNT_FORMS = {
    "login": "accounts.allauth_forms.LoginForm",
    "signup": "accounts.allauth_forms.SignupForm",
    "reset_password": "accounts.allauth_forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.allauth_forms.ResetPasswordKeyForm",
    "change_password": "accounts.allauth_forms.ChangePasswordForm",
    "add_email": "accounts.allauth_forms.AddEmailForm",
}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SERVICE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
# allauth's own defaults, stated so that nobody turns them off by accident.
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}

# --- Email ---------------------------------------------------------------------

EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="filemail:///var/mail" if DEBUG else "consolemail://"
)
globals().update(EMAIL_CONFIG)
if EMAIL_BACKEND.endswith("filebased.EmailBackend"):  # noqa: F821 - set just above
    # django-environ reads filemail:///var/mail as "var/mail": relative paths
    # are the project's (filemail:////tmp/mail is the absolute /tmp/mail).
    EMAIL_FILE_PATH = str(BASE_DIR / EMAIL_CONFIG["EMAIL_FILE_PATH"])
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="events@digital-leaders.example")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ADMINS = [("Admins", a) for a in env.list("ADMIN_EMAILS", default=[])]

# --- Internationalisation ----------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Issued invoices and badge batches live in S3-compatible storage when
    # several machines serve the site; credentials come from the usual AWS_*
    # variables that boto3 reads itself.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
if not SECURE_HSTS_PRELOAD:
    # Preloading is a one-way decision for the domain's owner, not a default.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- API -------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a request without credentials is told to send one
        # (401 with WWW-Authenticate) rather than refused outright (403).
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": env.str("API_TOKEN_THROTTLE_RATE", default="10/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SERVICE_NAME} API",
    "DESCRIPTION": (
        "Events, bookings, invoices and the leadership academy. Authenticate with a "
        "session or with `Authorization: Token <token>` from POST /api/v1/auth/token/."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Name enums after their model, so that two apps' "status" fields never clash.
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "events.models.Event.Status",
        "EventFormatEnum": "events.models.Event.Format",
        "TicketAudienceEnum": "events.models.TicketType.Audience",
        "OrderStateEnum": "payments.models.Order.State",
        "PaymentMethodEnum": "payments.models.Order.PaymentMethod",
        "RegistrationStateEnum": "events.models.Registration.State",
        "DocumentKindEnum": "payments.serializers.DocumentKind",
        "DocumentStatusEnum": "payments.serializers.DocumentStatus",
        "CheckInResultEnum": "events.serializers_checkin.RESULTS",
        "CheckInReasonEnum": "events.serializers_checkin.REASONS",
        "CheckInDirectionEnum": "events.models.CheckIn.Direction",
        "CheckInStateEnum": "events.selectors.CheckInState.choices",
        "ProgrammeLevelEnum": "academy.models.Programme.Level",
        "CompletionRuleEnum": "academy.models.Programme.CompletionRule",
        "CohortStatusEnum": "academy.models.Cohort.Status",
        "CohortDeliveryEnum": "academy.models.Cohort.Delivery",
        "ApplicationStateEnum": "academy.models.Application.State",
        "SponsorDecisionEnum": "academy.models.Application.SponsorDecision",
        "TimeInRoleEnum": "academy.models.Application.TimeInRole",
        "EnrolmentStateEnum": "academy.models.Enrolment.State",
        "ModuleAttendanceEnum": "academy.serializers.ModuleAttendance",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Booking -------------------------------------------------------------------

# How long a pending card order holds its places before it expires.
BOOKING_HOLD_MINUTES = env.int("BOOKING_HOLD_MINUTES", default=30)
# How long a waiting-list offer holds a freed place for the person offered it.
WAITING_LIST_OFFER_HOURS = env.int("WAITING_LIST_OFFER_HOURS", default=48)
# Delegates may edit dietary and access needs until this many days before.
DELEGATE_EDIT_CUTOFF_DAYS = env.int("DELEGATE_EDIT_CUTOFF_DAYS", default=2)

# --- Leadership Academy ---------------------------------------------------------

# An accepted applicant holds a place this long to confirm and pay (never past the start).
ACADEMY_OFFER_DAYS = env.int("ACADEMY_OFFER_DAYS", default=14)
# How long a sponsor's support-or-decline link works.
ACADEMY_SPONSOR_LINK_DAYS = env.int("ACADEMY_SPONSOR_LINK_DAYS", default=14)

# --- Payments and the seller printed on invoices ------------------------------

# An invoice is due this many days after issue...
INVOICE_PAYMENT_TERMS_DAYS = env.int("INVOICE_PAYMENT_TERMS_DAYS", default=30)
# ...or on the day of the event, if that is sooner.
INVOICE_DUE_BY_EVENT = env.bool("INVOICE_DUE_BY_EVENT", default=True)
# Reminders for overdue invoices go at most this often.
INVOICE_REMINDER_EVERY_DAYS = env.int("INVOICE_REMINDER_EVERY_DAYS", default=7)

STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Set to a Stripe test server such as localstripe (http://127.0.0.1:8420).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")

SELLER = {
    "legal_name": env.str("SELLER_LEGAL_NAME", default="Digital Leaders Network Ltd"),
    "address": env.str(
        "SELLER_ADDRESS", default="1 Example Street\nNorthampton\nNN1 1AA\nUnited Kingdom"
    ),
    "vat_number": env.str("SELLER_VAT_NUMBER", default="GB 000 0000 00"),
    "company_number": env.str("SELLER_COMPANY_NUMBER", default=""),
    "email": env.str("SELLER_EMAIL", default="finance@digital-leaders.example"),
    "bank_name": env.str("SELLER_BANK_NAME", default="Example Bank plc"),
    "bank_account_name": env.str(
        "SELLER_BANK_ACCOUNT_NAME", default="Digital Leaders Network Ltd"
    ),
    "bank_sort_code": env.str("SELLER_BANK_SORT_CODE", default="00-00-00"),
    "bank_account_number": env.str("SELLER_BANK_ACCOUNT_NUMBER", default="00000000"),
    "bank_iban": env.str("SELLER_BANK_IBAN", default=""),
}

# --- Logging -------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A line per stage of every PDF: too chatty for a worker's log.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
