"""Omni Sales settings: one module, driven by environment variables (see README, "Configuration")."""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
TESTING = "pytest" in sys.modules
# The developer's `.env` (or the file ENV_FILE names, e.g. `.env.prod-local`) fills in variables the
# environment does not set. Tests never read it: not under pytest, nor in the processes tests start
# (conftest.py sets OMNISALES_IGNORE_DOTENV, which they inherit).
if not (TESTING or env.bool("OMNISALES_IGNORE_DOTENV", default=False)):
    environ.Env.read_env(BASE_DIR / env.str("ENV_FILE", default=".env"), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise environ.ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-change-me"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PORT = env.int("PORT", default=3000)  # where `make run` / `make prod-local` serve
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default=f"http://localhost:{PORT}")
# The plain demo API key and development operator password `manage.py seed_demo` prints again
# (accounts/local_credentials.py): git-ignored, mode 0600. Empty keeps nothing (tests).
LOCAL_CREDENTIALS_FILE = env.str(
    "LOCAL_CREDENTIALS_FILE", default="" if TESTING else str(BASE_DIR / ".local-credentials.json")
)

LOCAL_APPS = [
    "omnisales.api",
    "accounts",
    "webhooks",
    "catalog",
    "customers",
    "inventory",
    "orders",
    "billing",
    "crm",
    "messaging",
    "returns",
    "marketplace",
    "loyalty",
    "analytics",
]

INSTALLED_APPS = [
    "omnisales.apps.OmniSalesAdminConfig",  # django.contrib.admin with our site (omnisales/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    *LOCAL_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "omnisales.api.body_size.BodySizeLimitMiddleware",  # 413 before any body is read (see "Strict input")
    "omnisales.api.middleware.ApiResponseHeadersMiddleware",
    "omnisales.api.middleware.ApiJsonErrorsMiddleware",  # inside the one above: errors keep X-RateLimit-*
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "omnisales.urls"
APPEND_SLASH = False  # /api/orders/ is a 404, never a redirect.

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "omnisales" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "omnisales.wsgi.application"

# An empty DATABASE_URL means the default (a lower-case name: not a setting, it may hold a password).
_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(_database_url)}
# No transaction per request: reads open none, and each write view opens one atomic() around its
# work (omnisales.api.views.ApiViewMixin.dispatch); views that call an outside API opt out and let their
# services commit short transactions of their own.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a request reuses its process's connection for up to DATABASE_CONN_MAX_AGE
# seconds instead of paying a new PostgreSQL handshake each time; CONN_HEALTH_CHECKS pings a reused
# connection once per request before use, so one dropped by the server or a proxy is replaced instead
# of failing the request. Celery workers follow the same rules (omnisales/celery.py). 0 = close after
# every request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as a server's database (the default for `make run`): concurrent writes queue instead of
    # failing with "database is locked". Every transaction takes the write lock when it begins
    # (IMMEDIATE), so none has to upgrade a read lock mid-way, which SQLite refuses at once rather
    # than wait; writers wait up to `timeout` seconds for each other. WAL lets reads go on beside the
    # one writer, and synchronous=NORMAL is WAL's usual durability trade-off. Still one writer at a
    # time: PostgreSQL for real load (docs/operations.md, "SQLite").
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "omnisales.api.cache.ReusedClientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "omnisales"}}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login"
if TESTING:  # fast hashing keeps the suite quick; production keeps Django's PBKDF2 default
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Omni Sales <no-reply@omnisales.local>")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.oauth_transport.RefuseAccessTokenParameter",  # tokens only in the Authorization header
        "accounts.authentication.JWTAuthentication",
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.OAuth2Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["omnisales.api.permissions.HasRequiredScope"],
    "DEFAULT_THROTTLE_CLASSES": ["omnisales.api.throttling.CredentialRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "omnisales.api.pagination.LimitOffsetArrayPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # camelCase JSON like djangorestframework-camel-case's renderer, written by orjson in one pass.
    "DEFAULT_RENDERER_CLASSES": ["omnisales.api.renderers.CamelCaseJSONRenderer"],
    # JSON only (form/multipart bodies are a 415 unless an endpoint documents them, e.g. the CSV import).
    "DEFAULT_PARSER_CLASSES": ["omnisales.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "omnisales.api.exception_handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "omnisales.api.schema.AutoSchema",
    "DATETIME_FORMAT": "iso-8601",  # UTC, with a trailing Z
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
JSON_CAMEL_CASE = {
    # Free-form JSON objects keep the keys the client sent.
    "JSON_UNDERSCOREIZE": {"ignore_fields": ("attributes", "metadata", "payload", "data", "rules")},
}

API_RATE_LIMITS = {
    "read": env.str("API_RATE_LIMIT_READ", default="1000/hour"),
    "write": env.str("API_RATE_LIMIT_WRITE", default="100/hour"),
}
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
# Verified API keys and memberships are cached this long so authentication makes no query; every
# change to them forgets the entry at once (accounts/credential_cache.py). 0 turns the cache off.
AUTH_CACHE_SECONDS = env.int("AUTH_CACHE_SECONDS", default=60)

# --- Strict input: body size, JSON nesting, free-form JSON fields -------------------------------------
# Bodies over the limit are a 413 before they are read (omnisales/api/body_size.py). The CSV product
# import uploads files up to 20 MB, so its multipart body has its own, larger limit.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_MAX_IMPORT_BODY_BYTES = env.int("API_MAX_IMPORT_BODY_BYTES", default=21 * 1024 * 1024)
# A JSON body nested deeper than this is a 400 MALFORMED_REQUEST.
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
# Free-form JSON fields (product attributes, ...; also the CSV import's attributes cell): 422 beyond these.
API_MAX_FREE_FORM_JSON_DEPTH = env.int("API_MAX_FREE_FORM_JSON_DEPTH", default=10)
API_MAX_FREE_FORM_JSON_BYTES = env.int("API_MAX_FREE_FORM_JSON_BYTES", default=64 * 1024)
DEFAULT_PRODUCT_LIMIT = env.int("DEFAULT_PRODUCT_LIMIT", default=100)  # accounts without a plan
PRODUCT_VARIANT_LIMIT = env.int("PRODUCT_VARIANT_LIMIT", default=100)  # variants per product, not archived
# CSV imports with more rows than this answer 202 with an import job run by a worker (docs/catalog.md).
PRODUCT_IMPORT_SYNC_ROWS = env.int("PRODUCT_IMPORT_SYNC_ROWS", default=1000)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "USER_ID_FIELD": "id",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}

# --- OAuth 2.0 provider ----------------------------------------------------------------------
# Authorization code with PKCE (S256) and rotating refresh tokens, nothing else; tokens stored as
# SHA-256 checksums only. The /o/ endpoints mounted are listed in accounts/oauth_urls.py.
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "accounts.oauth.ScopesBackend",
    # The authorization-code grant (+ refresh) with PKCE S256 only: no password, client
    # credentials, implicit or device grants, whatever an application row says.
    "OAUTH2_SERVER_CLASS": "accounts.oauth_server.AuthorizationCodeServer",
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_ACCESS_TOKEN_SECONDS", default=3600),
    # https redirect URIs only; http too in development (or when OAUTH_ALLOW_HTTP_REDIRECTS says so).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]
    if env.bool("OAUTH_ALLOW_HTTP_REDIRECTS", default=DEBUG)
    else ["https"],
    "ROTATE_REFRESH_TOKEN": True,
    # A refresh token dies this long after its access token expired (the toolkit's default: never).
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_REFRESH_TOKEN_SECONDS", default=30 * 24 * 3600),
    "REFRESH_TOKEN_REUSE_PROTECTION": True,  # a replayed rotated refresh token revokes its family
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only, "plain" refused
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,  # no ?access_token=
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # the token column stays blank, lookups by checksum
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,  # RFC 9207 `iss` on the redirect (mix-up defence)
}
# Per client address on /o/token/, /o/revoke_token/, /o/introspect/: all requests, and failed
# client authentications (wrong client id or secret) separately and much lower.
OAUTH_TOKEN_RATE_LIMIT = env.str("OAUTH_TOKEN_RATE_LIMIT", default="60/minute")
OAUTH_TOKEN_FAILURE_RATE_LIMIT = env.str("OAUTH_TOKEN_FAILURE_RATE_LIMIT", default="20/hour")

OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"

SPECTACULAR_SETTINGS = {
    "TITLE": "Omni Sales API",
    "DESCRIPTION": (
        "Multi-tenant commerce back office: orders, customers, catalog, inventory, payments and more.\n\n"
        "Lists return a bare JSON array with `X-Total-Count` and `Link` headers. Every error is "
        '`{"error", "details", "code"}`. Authenticate with `Authorization: Bearer <JWT>`, '
        "`X-API-Key: <key>` or an OAuth 2.0 access token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVERS": [{"url": PUBLIC_BASE_URL}],  # without a request; /swagger.json names the host it was asked on
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "drf_spectacular.hooks.postprocess_schema_enums",
        "omnisales.api.schema.add_security_schemes",
        "omnisales.api.secrets.secrets_not_required",
        "omnisales.api.schema.servers_from_request",
    ],
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "OrderPaymentMethodEnum": "orders.models.PaymentMethod",
        "ManualPaymentMethodEnum": "orders.serializers.MANUAL_PAYMENT_METHODS",
        # pending/succeeded/failed: webhook deliveries and order payment records share the choices
        "ResultStatusEnum": "webhooks.models.DeliveryStatus",
        "StripePaymentStatusEnum": "billing.models.PaymentStatus",
        "OpportunityStageEnum": "crm.models.Stage",
        "OpenStageEnum": "crm.models.OPEN_STAGES",
        "LeadStatusEnum": "crm.models.LeadStatus",
        "WritableLeadStatusEnum": "crm.serializers.WRITABLE_LEAD_STATUSES",
        "ActivityTypeEnum": "crm.models.ActivityType",
        "DuplicateTypeEnum": "crm.serializers.DUPLICATE_TYPES",
        "MessageChannelEnum": "messaging.models.Channel",
        "OrderChannelEnum": "orders.models.Channel",
        "LeadSourceEnum": "crm.models.LeadSource",
        "MessageSourceEnum": "messaging.models.MessageSource",
        # three fields named "reason" with different choices: a return line's, a refund's, a stock adjustment's
        "ReturnReasonEnum": "returns.models.ReturnReason",
        "RefundReasonEnum": "billing.models.RefundReason",
        "AdjustmentReasonEnum": "inventory.models.AdjustmentReason",
        "DiscountTypeEnum": "loyalty.models.DiscountType",
    },
    "DISABLE_ERRORS_AND_WARNINGS": True,
}

# --- Client addresses and login protection (django-axes) -----------------------------------
# How many reverse proxies of our own sit in front of the app. 0: X-Forwarded-For is ignored and
# REMOTE_ADDR is the client; n: the n-th X-Forwarded-For entry from the right is the client (see
# omnisales.api.throttling.client_address, used for rate limits and login lockouts alike).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # turns a lockout on an HTML login page into the lockout page
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out email or address before any password check
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "/api-docs"
# Failed logins on every surface that calls authenticate() (/api/auth/token, /accounts/login,
# /admin/login/) are recorded in the database (shared by all processes, listed in the admin).
# An email or an address with AXES_FAILURE_LIMIT failures within AXES_COOLOFF_TIME is refused, even
# with the right password, until AXES_COOLOFF_TIME after the failure that locked it.
AXES_HANDLER = "accounts.lockout.LoginAttemptHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout ends on time, however often it is hit
AXES_RESET_ON_SUCCESS = True  # only this email's failures from this address; see LoginAttemptHandler
AXES_USERNAME_FORM_FIELD = "username"  # the key every login surface passes to authenticate()
AXES_USERNAME_CALLABLE = "accounts.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "omnisales.api.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure stays listed in the admin after its lockout expired
# Login access and failure logs older than this are deleted daily (accounts-purge-login-logs).
LOGIN_LOG_RETENTION_DAYS = env.int("LOGIN_LOG_RETENTION_DAYS", default=90)

# --- Background work ---------------------------------------------------------------------
# Without CELERY_BROKER_URL tasks run in-process when they are enqueued (development), and always
# under pytest (tests that need a real worker start one: omnisales/tests/celery_worker.py).
# In production a worker and beat run against Redis or RabbitMQ; see docs/operations.md.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = TESTING or not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Tasks are idempotent, so a task is acknowledged only once it has run: a worker that dies mid-task
# leaves the message to be delivered again rather than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=1000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Database connections of a worker live by DATABASE_CONN_MAX_AGE like a web process's (see
# omnisales/celery.py) instead of Celery reconnecting around every task.
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
# Redis only: an unacknowledged message is handed out again after this long. Countdowns stay far
# below it (long waits are scheduled in the database, see WEBHOOKS_COUNTDOWN_MAX_SECONDS).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
if env.str("CELERY_BROKER_KEY_PREFIX", default=""):  # several deployments sharing one Redis database
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env.str("CELERY_BROKER_KEY_PREFIX")
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in ("default", "webhooks", "marketplace", "messaging")]
CELERY_TASK_ROUTES = {
    "webhooks.tasks.*": {"queue": "webhooks"},
    "marketplace.tasks.*": {"queue": "marketplace"},
    "messaging.tasks.*": {"queue": "messaging"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Installed into django-celery-beat's tables when beat starts (visible in the admin).
CELERY_BEAT_SCHEDULE = {
    "webhooks-enqueue-due-deliveries": {
        "task": "webhooks.tasks.deliveries_enqueue_due_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "webhooks-purge-old-events": {
        "task": "webhooks.tasks.events_purge_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "accounts-purge-login-logs": {
        "task": "accounts.tasks.login_logs_purge_task",
        "schedule": crontab(hour=3, minute=30),
    },
    "accounts-purge-idempotency-records": {
        "task": "accounts.tasks.idempotency_records_purge_task",
        "schedule": crontab(minute=5),
    },
}
# --- Customers: stored RFM scores (docs/customers.md "RFM analysis") ---
CELERY_BEAT_SCHEDULE["customers-refresh-rfm-scores"] = {
    "task": "customers.tasks.rfm_scores_refresh_task",
    "schedule": crontab(minute=20),  # hourly
    "options": {"expires": 3000},
}
# Accounts read per batch by the refresh (each account is one UPDATE statement).
CUSTOMERS_RFM_REFRESH_BATCH_SIZE = env.int("CUSTOMERS_RFM_REFRESH_BATCH_SIZE", default=100)
CELERY_TIMEZONE = "UTC"

# --- Outgoing webhooks (docs/webhooks.md) ----------------------------------------------------
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOKS_CONNECT_TIMEOUT_SECONDS", default=5.0)
WEBHOOKS_READ_TIMEOUT_SECONDS = env.float("WEBHOOKS_READ_TIMEOUT_SECONDS", default=15.0)
# Wait before each retry; a delivery gets len(...) + 1 attempts. Default: 8 attempts over ~21.6 hours.
WEBHOOKS_RETRY_DELAYS_SECONDS = env.list(
    "WEBHOOKS_RETRY_DELAYS_SECONDS", cast=int, default=[60, 300, 1800, 3600, 7200, 21600, 43200]
)
# Retries due within this long are sent with a broker countdown; later ones wait in the database
# for the sweep, so the broker never holds messages for hours.
WEBHOOKS_COUNTDOWN_MAX_SECONDS = env.int("WEBHOOKS_COUNTDOWN_MAX_SECONDS", default=900)
# The sweep re-enqueues pending deliveries overdue by more than this (their message was lost).
WEBHOOKS_SWEEP_GRACE_SECONDS = env.int("WEBHOOKS_SWEEP_GRACE_SECONDS", default=300)
WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES = env.int("WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES", default=5)
WEBHOOKS_DISABLE_AFTER_FAILING_SECONDS = env.int("WEBHOOKS_DISABLE_AFTER_FAILING_SECONDS", default=24 * 3600)
WEBHOOKS_SECRET_OVERLAP_HOURS = env.int("WEBHOOKS_SECRET_OVERLAP_HOURS", default=24)
WEBHOOKS_MAX_ENDPOINTS_PER_ACCOUNT = env.int("WEBHOOKS_MAX_ENDPOINTS_PER_ACCOUNT", default=20)
WEBHOOKS_RETENTION_DAYS = env.int("WEBHOOKS_RETENTION_DAYS", default=30)

# --- Outside services (tests and local runs point these at local servers) ---------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=20.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)  # retries reuse the Idempotency-Key
BILLING_SUCCESS_URL = env.str(
    "BILLING_SUCCESS_URL", default=f"{PUBLIC_BASE_URL}/billing/success?session_id={{CHECKOUT_SESSION_ID}}"
)
BILLING_CANCEL_URL = env.str("BILLING_CANCEL_URL", default=f"{PUBLIC_BASE_URL}/billing/cancel")
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=False)

# --- Security: secrets at rest, TLS and cookies (README "Configuration", docs/security.md) --------
# Responses that carry a secret (omnisales.api.secrets.SecretField) are marked Cache-Control: no-store.
MIDDLEWARE += ["omnisales.api.secrets.NoStoreSecretsMiddleware"]
# Fernet keys for encrypted model fields (omnisales.api.encryption), comma-separated: the first
# encrypts, all decrypt, so a new key goes first and `manage.py rotate_field_encryption` moves rows to
# it. Development and tests derive one from SECRET_KEY; production must set it.
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])
if not FIELD_ENCRYPTION_KEY and not (DEBUG or TESTING):
    raise environ.ImproperlyConfigured("FIELD_ENCRYPTION_KEY is required when DEBUG is off.")
# HTTPS only, on by default whenever DEBUG is off. Behind a TLS-terminating proxy set
# BEHIND_TLS_PROXY=true (above) so Django sees the original scheme. /healthz stays reachable over
# plain HTTP for load-balancer checks.
_SECURE_BY_DEFAULT = not (DEBUG or TESTING)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_SECURE_BY_DEFAULT)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if _SECURE_BY_DEFAULT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_SECURE_BY_DEFAULT)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_SECURE_BY_DEFAULT)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_SECURE_BY_DEFAULT)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_SECURE_BY_DEFAULT)

# --- Messaging: email, SMS and campaigns (docs/messaging.md) ---------------------------------------
# Email goes through Django's email framework: EMAIL_URL above (smtp://user:pass@host:587 with
# ?ssl or ?tls, console in development), or an ESP through django-anymail by setting EMAIL_BACKEND.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="") or EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
# SMS: messaging.providers.sms.{Console,Locmem,Twilio}Backend; Twilio when its account SID is set.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")
TWILIO_TIMEOUT_SECONDS = env.float("TWILIO_TIMEOUT_SECONDS", default=15.0)
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default="messaging.providers.sms.TwilioBackend"
    if TWILIO_ACCOUNT_SID
    else "messaging.providers.sms.LocmemBackend"
    if TESTING
    else "messaging.providers.sms.ConsoleBackend",
)
# Unsubscribe links and Twilio's status callbacks are PUBLIC_BASE_URL + /messaging/...
# Campaign recipients per batch task, and each provider's send rate (messages per second, all
# workers together when REDIS_URL is set; 0 = no limit).
MESSAGING_BATCH_SIZE = env.int("MESSAGING_BATCH_SIZE", default=500)
MESSAGING_EMAIL_RATE_PER_SECOND = env.int("MESSAGING_EMAIL_RATE_PER_SECOND", default=50)
MESSAGING_SMS_RATE_PER_SECOND = env.int("MESSAGING_SMS_RATE_PER_SECOND", default=10)
# A campaign batch with no progress for this long is enqueued again by the sweep (its worker died).
MESSAGING_STALLED_SECONDS = env.int("MESSAGING_STALLED_SECONDS", default=600)
CELERY_BEAT_SCHEDULE["messaging-start-due-campaigns"] = {
    "task": "messaging.tasks.campaigns_start_due_task",
    "schedule": 60.0,
    "options": {"expires": 55},
}
CELERY_BEAT_SCHEDULE["messaging-resume-stalled-campaigns"] = {
    "task": "messaging.tasks.campaigns_resume_stalled_task",
    "schedule": 300.0,
    "options": {"expires": 290},
}
# Waits before each retry of a campaign batch after a transient provider error (seconds).
MESSAGING_BATCH_RETRY_DELAYS_SECONDS = env.list(
    "MESSAGING_BATCH_RETRY_DELAYS_SECONDS", cast=int, default=[5, 15, 60, 300, 900]
)

# --- Marketplaces (docs/marketplace.md) -------------------------------------------------------
# Each platform's API host; tests and staging point them at local servers.
SHOPEE_API_BASE = env.str("SHOPEE_API_BASE", default="https://partner.shopeemobile.com")
# Empty: each shop's own country gateway (api.lazada.sg, .com.my, .co.th, .vn, .com.ph, .co.id), as Lazada
# said at its authorization; set, every Lazada call goes there (tests, staging).
LAZADA_API_BASE = env.str("LAZADA_API_BASE", default="")
LAZADA_AUTH_BASE = env.str("LAZADA_AUTH_BASE", default="https://auth.lazada.com/rest")
FACEBOOK_GRAPH_API_BASE = env.str("FACEBOOK_GRAPH_API_BASE", default="https://graph.facebook.com")
FACEBOOK_GRAPH_API_VERSION = env.str("FACEBOOK_GRAPH_API_VERSION", default="v25.0")
FACEBOOK_LOGIN_BASE = env.str("FACEBOOK_LOGIN_BASE", default="https://www.facebook.com")
MARKETPLACE_TIMEOUT_SECONDS = env.float("MARKETPLACE_TIMEOUT_SECONDS", default=20.0)
# A rate limit or server error is retried this many times, waiting backoff × 2^attempt seconds (capped at 30 s,
# or the platform's Retry-After); beyond that a sync job is retried later by its task.
MARKETPLACE_MAX_RETRIES = env.int("MARKETPLACE_MAX_RETRIES", default=4)
MARKETPLACE_RETRY_BACKOFF_SECONDS = env.float("MARKETPLACE_RETRY_BACKOFF_SECONDS", default=0.5)
# Orders a periodic sync reads again before where the last one ended (late updates on the platform's side).
MARKETPLACE_SYNC_OVERLAP_MINUTES = env.int("MARKETPLACE_SYNC_OVERLAP_MINUTES", default=10)
# Orders a sync writes per transaction (whole pages of the platform's list, so a bit more).
MARKETPLACE_SYNC_WRITE_BATCH = env.int("MARKETPLACE_SYNC_WRITE_BATCH", default=1000)
# A sync writes each batch on a second database connection while it prepares the next (PostgreSQL only).
MARKETPLACE_SYNC_CONCURRENT_WRITES = env.bool("MARKETPLACE_SYNC_CONCURRENT_WRITES", default=True)
# How far back the first sync of a new connection reaches.
MARKETPLACE_INITIAL_SYNC_DAYS = env.int("MARKETPLACE_INITIAL_SYNC_DAYS", default=30)
# A running sync job whose worker has not reported for this long is taken over by the next sweep.
MARKETPLACE_STALE_JOB_SECONDS = env.int("MARKETPLACE_STALE_JOB_SECONDS", default=600)
CELERY_BEAT_SCHEDULE["marketplace-sync-connections"] = {
    "task": "marketplace.tasks.connections_sync_task",
    "schedule": env.float("MARKETPLACE_SYNC_INTERVAL_SECONDS", default=300.0),
    "options": {"expires": 240},
}
CELERY_BEAT_SCHEDULE["marketplace-push-stock"] = {
    "task": "marketplace.tasks.stock_push_all_task",
    "schedule": env.float("MARKETPLACE_STOCK_PUSH_SECONDS", default=60.0),
    "options": {"expires": 55},
}
CELERY_BEAT_SCHEDULE["marketplace-resume-stalled-syncs"] = {
    "task": "marketplace.tasks.sync_jobs_resume_stalled_task",
    "schedule": 120.0,
    "options": {"expires": 110},
}

# --- Loyalty (docs/loyalty.md) ---------------------------------------------------------------------
# Points whose lots are due expire once a day, LOYALTY_EXPIRE_BATCH_SIZE members per transaction.
LOYALTY_EXPIRE_BATCH_SIZE = env.int("LOYALTY_EXPIRE_BATCH_SIZE", default=500)
CELERY_BEAT_SCHEDULE["loyalty-expire-points"] = {
    "task": "loyalty.tasks.points_expire_task",
    "schedule": crontab(hour=2, minute=10),
    "options": {"expires": 3600},
}
