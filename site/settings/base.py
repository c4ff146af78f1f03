"""Production settings: safe by default, configured through the environment.

Every variable a deployer may set is read here, with its default and meaning next to it
(the table in README.md). `dev.py` and `test.py` import this module and only loosen or
speed things up.
"""

import os
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONCE, NONE, SELF, STRICT_DYNAMIC, UNSAFE_INLINE

from legal.csp import RECAPTCHA, SERVICE_TYPE_HOSTS, merge_hosts
from website.headers import add_static_security_headers

# The repository root (the folder holding manage.py); `site/` is imported as `website`.
BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Runtime files that are not code: generated keys, mail files, uploads. Never committed.
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated environment variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# --- Core ----------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

# Required in production (Django refuses to start without it); dev.py generates one for
# local runs.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Old keys that still verify signatures (unsubscribe links survive a key rotation).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")

# Comma-separated host names and origins; localhost by default.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "http://localhost:8000,http://127.0.0.1:8000"
)

INSTALLED_APPS = [
    # Project apps first so their templates win over the libraries' ones.
    "website",
    "legal",
    "newsletter",
    "leadmagnets",
    # Cookie groups, cookies and the consent cookie (django-cookie-consent).
    "cookie_consent",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Background tasks: django-tasks with its database backend (worker: `manage.py db_worker`).
    "django_tasks",
    "django_tasks_db",
    # Security: CSP system checks (django-csp), admin login lockouts (django-axes).
    "csp",
    "axes",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Serves collected static files from gunicorn itself, compressed and far-future cached.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: private, no-store on every personal response: an editor's pages (userbar,
    # previews, admin) and any that sets a cookie; anonymous public pages stay cacheable.
    "website.headers.PrivateResponseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Answers anonymous page GETs from the cache before sessions, auth or a template run
    # (website.page_cache); inside CSP, so each cached copy gets its own nonce and header.
    "website.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "website.urls"
WSGI_APPLICATION = "website.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database and cache ---------------------------------------------------------------------

# Any URL dj-database-url accepts; SQLite next to manage.py by default, PostgreSQL in production.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# gunicorn kills a request that takes longer than this many seconds (site/gunicorn_conf.py
# reads the same variable).
GUNICORN_TIMEOUT = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# SQLite: seconds a request waits for the database's one write lock before it fails with
# "database is locked" (default 10). Below GUNICORN_TIMEOUT (a system check says so), so a
# request that waits fails with an error page instead of being killed. No transaction is
# open while another service answers, so every write lock is held for milliseconds.
SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "10"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # gunicorn and db_worker share the file: WAL lets readers run beside the one writer,
    # IMMEDIATE transactions queue writers instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared cache (rate limits, Mailchimp connection slots, the page cache) across gunicorn
# processes and machines when set; local memory, per process, otherwise (but the page cache
# and the limits in files, shared by the processes of this machine).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "site"),
    }
    CACHES = {"default": redis_cache, "pages": redis_cache, "limits": redis_cache}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # The page cache must be one for every gunicorn process, or a publish would reach
        # only the process that handled it: files under VAR_DIR on a single machine.
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "page-cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        # Rate limits and the mails-per-address limit: a counter in each worker's memory
        # would multiply every limit by the number of workers. Files that count atomically
        # and keep their window (website.limits_cache says why Django's own do not).
        "limits": {
            "BACKEND": "website.limits_cache.LimitsFileCache",
            "LOCATION": str(VAR_DIR / "limits"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
    }

# --- Page cache -----------------------------------------------------------------------------

# Anonymous GETs of public pages are answered from the "pages" cache above
# (website.page_cache). Every publish and every change to a snippet, setting or policy version
# empties it for every process: Redis when set, else files shared on this machine.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
# Longest life of a cached page, in seconds (default 600); shorter when a policy version
# takes effect sooner. Keep it well under a day: the sign-up form's "shown at" stamp in the
# page is accepted for 24 hours.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# Cache-Control of cached pages: browsers may keep them PAGE_CACHE_BROWSER_SECONDS (default
# 60), shared caches such as a CDN PAGE_CACHE_CDN_SECONDS (default 300).
PAGE_CACHE_BROWSER_SECONDS = int(os.environ.get("PAGE_CACHE_BROWSER_SECONDS", "60"))
PAGE_CACHE_CDN_SECONDS = int(os.environ.get("PAGE_CACHE_CDN_SECONDS", "300"))
# Cached pages are keyed on scheme, host name and path: the Host header's port is left out,
# so made-up ports cannot fill the cache, and so are host names that only a pattern in
# ALLOWED_HOSTS (".example.com", "*") admits: those are rendered every time. Wagtail picks
# the site by host name; only sites sharing a host name are told apart by the server's port
# (Site.port, the port in Site.root_url). Such ports go here, comma-separated (e.g.
# "8000,8001"), and are kept in the key; unset by default.
PAGE_CACHE_SITE_PORTS = env_list("PAGE_CACHE_SITE_PORTS", "")
# Cloudflare in front of the site: with an API token (permission Zone > Cache Purge) and the
# zone ID, a publish purges the page's URLs and any other content change purges every live
# page (wagtail.contrib.frontend_cache's backends, run by the task worker once the change
# has committed; website.page_cache says why its app is not installed). Unset: no purging.
CLOUDFLARE_API_TOKEN = os.environ.get("CLOUDFLARE_API_TOKEN", "")
CLOUDFLARE_ZONEID = os.environ.get("CLOUDFLARE_ZONEID", "")
if CLOUDFLARE_API_TOKEN and CLOUDFLARE_ZONEID:
    WAGTAILFRONTENDCACHE = {
        "cloudflare": {
            "BACKEND": "website.page_cache.GuardedCloudflareBackend",
            "BEARER_TOKEN": CLOUDFLARE_API_TOKEN,
            "ZONEID": CLOUDFLARE_ZONEID,
        }
    }

# --- Background tasks -----------------------------------------------------------------------

# Wagtail's own tasks (reference index, search index, file deletion) and the Mailchimp
# outbox all run in `manage.py db_worker`, so requests never wait for them.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# --- Auth -----------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Brute-force protection of the admin login (django-axes; Wagtail's login view is Django's
# LoginView, which passes the request to authenticate()). AXES_FAILURE_LIMIT wrong passwords
# for one username from one client address lock out that pair for AXES_COOLOFF_HOURS; other
# addresses and other accounts still sign in. `manage.py axes_reset` lifts every lockout.
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out pair is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin_lockout.html"
# GDPR Art. 5(1)(c): only failed attempts are kept (until their cool-off ends), no log of
# every successful sign-in with address and browser.
AXES_DISABLE_ACCESS_LOG = True
# The client's address as the rate limits see it (TRUSTED_PROXY_COUNT, TRUSTED_PROXIES below);
# without it django-axes would ask django-ipware, which trusts client-written headers.
AXES_CLIENT_IP_CALLABLE = "legal.http.client_address"

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------

STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names and pre-compressed copies: whitenoise then serves them with a one-year
    # Cache-Control, so browsers and CDNs never ask again.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Static files carry nosniff and the Referrer-Policy below themselves, wherever WhiteNoise sits.
WHITENOISE_ADD_HEADERS_FUNCTION = add_static_security_headers
# Several web machines share uploads through S3-compatible storage (AWS S3, Cloudflare R2,
# MinIO, …) when a bucket is named; credentials come from AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (read by boto3 itself). Objects stay private: documents are served
# through Wagtail's serve view (permission and lead-magnet checks), images via signed URLs.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_DEFAULT_ACL = None  # the bucket's own policy: private
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "3600"))
    AWS_S3_FILE_OVERWRITE = False
    AWS_LOCATION = os.environ.get("AWS_LOCATION", "media")

# --- E-mail ---------------------------------------------------------------------------------

# EMAIL_URL (smtp://user:pass@host:587/?tls=True, console:, ...) wins; otherwise Django's own
# EMAIL_* variables; otherwise mails are written as files under var/mail/ (see the deploy check).
if os.environ.get("EMAIL_URL"):
    vars().update(dj_email_url.parse(os.environ["EMAIL_URL"]))
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Website <hello@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Outside services -----------------------------------------------------------------------

# Unset key: Mailchimp sync is switched off and the admin says so.
MAILCHIMP_API_KEY = os.environ.get("MAILCHIMP_API_KEY", "")
MAILCHIMP_AUDIENCE_ID = os.environ.get("MAILCHIMP_AUDIENCE_ID", "")
# Base URL override (tests and fakes); empty means Mailchimp's own, from the key's data centre.
MAILCHIMP_API_URL = os.environ.get("MAILCHIMP_API_URL", "")
# Secret path segment of the webhook URL; unset means the endpoint answers 404.
MAILCHIMP_WEBHOOK_SECRET = os.environ.get("MAILCHIMP_WEBHOOK_SECRET", "")

# GDPR marketing permissions of the audience, comma-separated: "id" is the newsletter's,
# "id=purpose" another purpose's ("leadmagnet" for every lead magnet). Each is switched on
# only when the person confirms that purpose, and off only when they unsubscribe from it.
MAILCHIMP_MARKETING_PERMISSIONS = env_list("MAILCHIMP_MARKETING_PERMISSIONS", "")
# Contacts who confirmed only a lead magnet (no newsletter): "off" (the default) keeps them
# out of Mailchimp, because the site delivers the resource itself and data minimisation
# (GDPR Art. 5(1)(c)) sends a processor nothing it does not need; "transactional" adds them
# with status transactional and their leadmagnet:<slug> tag, for automations keyed on it.
MAILCHIMP_LEADMAGNET_SYNC = os.environ.get("MAILCHIMP_LEADMAGNET_SYNC", "off")
# Mailchimp's hosted sign-up form of the audience: the only way back for an address that was
# deleted there for good ("Forgotten Email Not Subscribed"); shown to such a person.
MAILCHIMP_HOSTED_FORM_URL = os.environ.get("MAILCHIMP_HOSTED_FORM_URL", "")

# (connect, read) timeout of every Mailchimp call, in seconds.
MAILCHIMP_TIMEOUT = (
    float(os.environ.get("MAILCHIMP_CONNECT_TIMEOUT", "3.05")),
    float(os.environ.get("MAILCHIMP_READ_TIMEOUT", "10")),
)
# Outbox retries: the wait before retry n is random up to min(cap, base * 2^n) seconds.
MAILCHIMP_RETRY_BASE_SECONDS = float(os.environ.get("MAILCHIMP_RETRY_BASE_SECONDS", "30"))
MAILCHIMP_RETRY_CAP_SECONDS = float(os.environ.get("MAILCHIMP_RETRY_CAP_SECONDS", "3600"))

# Sign-ups: confirmation links hold this many days; a pending address gets at most one mail
# per resend interval; forms sent faster than the minimum fill time are refused as bots.
NEWSLETTER_CONFIRM_DAYS = int(os.environ.get("NEWSLETTER_CONFIRM_DAYS", "7"))
NEWSLETTER_RESEND_MINUTES = int(os.environ.get("NEWSLETTER_RESEND_MINUTES", "10"))
NEWSLETTER_MIN_FILL_SECONDS = int(os.environ.get("NEWSLETTER_MIN_FILL_SECONDS", "3"))
# Lead-magnet download links hold this many days.
LEADMAGNET_DOWNLOAD_DAYS = int(os.environ.get("LEADMAGNET_DOWNLOAD_DAYS", "7"))
# Sign-up posts per client address and window (seconds); more get a friendly 429 page.
NEWSLETTER_RATE_LIMIT = (int(os.environ.get("NEWSLETTER_RATE_LIMIT", "10")), 600)
# Mails to one mailbox per window (seconds), whoever asks: sign-up confirmations, their
# resends and privacy-request links together (newsletter/mail_limits.py); default 3 an hour.
NEWSLETTER_MAILS_PER_ADDRESS = (int(os.environ.get("NEWSLETTER_MAILS_PER_ADDRESS", "3")), 3600)
# Retention, applied by `manage.py apply_retention` (daily from cron), in days. Sign-ups never
# confirmed are deleted after NEWSLETTER_UNCONFIRMED_DAYS (default 30).
NEWSLETTER_UNCONFIRMED_DAYS = int(os.environ.get("NEWSLETTER_UNCONFIRMED_DAYS", "30"))
# The confirming request's user agent and network are dropped after REQUEST_METADATA_DAYS
# (default 90); the time of the confirmation stays as proof.
REQUEST_METADATA_DAYS = int(os.environ.get("REQUEST_METADATA_DAYS", "90"))
# Sync history (every attempt, and finished outbox jobs) after SYNC_HISTORY_RETENTION_DAYS
# (default 180); queued and retrying jobs are never deleted.
SYNC_HISTORY_RETENTION_DAYS = int(os.environ.get("SYNC_HISTORY_RETENTION_DAYS", "180"))
# Mailchimp webhook deliveries (kept to apply each event once) after
# WEBHOOK_EVENT_RETENTION_DAYS (default 30; Mailchimp retries for about 75 minutes).
WEBHOOK_EVENT_RETENTION_DAYS = int(os.environ.get("WEBHOOK_EVENT_RETENTION_DAYS", "30"))

# Unset keys: reCAPTCHA is off; the honeypot and timing check stay on.
RECAPTCHA_PUBLIC_KEY = os.environ.get("RECAPTCHA_PUBLIC_KEY", "")
RECAPTCHA_PRIVATE_KEY = os.environ.get("RECAPTCHA_PRIVATE_KEY", "")
RECAPTCHA_REQUIRED_SCORE = float(os.environ.get("RECAPTCHA_REQUIRED_SCORE", "0.5"))
RECAPTCHA_VERIFY_REQUEST_TIMEOUT = 3

# --- Cookie consent -------------------------------------------------------------------------

# How long a decision holds before the visitor is asked again (CNIL: ~6 months for a refusal,
# at most 13 months for consent).
CONSENT_ACCEPT_DAYS = int(os.environ.get("CONSENT_ACCEPT_DAYS", "365"))
CONSENT_REJECT_DAYS = int(os.environ.get("CONSENT_REJECT_DAYS", "182"))
# Consent records older than this are deleted by `manage.py prune_consent_records` (and
# `manage.py apply_retention`).
CONSENT_RECORD_RETENTION_DAYS = int(os.environ.get("CONSENT_RECORD_RETENTION_DAYS", "1095"))
# Decisions per client address and window (seconds); more get 429 and no ledger row.
CONSENT_RATE_LIMIT = (int(os.environ.get("CONSENT_RATE_LIMIT", "20")), 600)
# django-cookie-consent: its HttpOnly per-category cookie, secure like the session cookie; its
# own log is replaced by legal.ConsentRecord.
COOKIE_CONSENT_MAX_AGE = CONSENT_ACCEPT_DAYS * 24 * 60 * 60
# Secure also names both consent cookies __Host-consent_state and __Host-cookie_consent (no
# Domain, Path=/), which no sibling subdomain can plant (legal.consent.cookie_name); off in
# dev and test, which serve plain HTTP, where browsers refuse the prefix.
COOKIE_CONSENT_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
COOKIE_CONSENT_LOG_ENABLED = False

# --- Wagtail --------------------------------------------------------------------------------

WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Creator site")
# Absolute base for links in mails and admin notifications.
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "epub", "txt", "md", "zip", "docx", "xlsx", "odt", "csv"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
# Uploads larger than this are refused with a form error instead of filling the disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (a CDN, nginx, a PaaS router).
if env_bool("SECURE_PROXY_SSL_HEADER", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Health checks come from the load balancer over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Only allows submitting the domain to the browsers' preload list; nothing is submitted.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Forms carry the CSRF token in the page and no script reads the cookie. (The consent state
# cookie stays readable by consent.js by design; legal/views.py makes it Secure too.)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# RFC 9116 Contact of /.well-known/security.txt, a mailto: or https: URI; unset means mailto:
# the address of DEFAULT_FROM_EMAIL.
SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "")
# Who the client is (legal.http.client_address, for every rate limit, the admin lockout and
# the confirmation proof). TRUSTED_PROXY_COUNT: how many entries the proxies in front of
# gunicorn append to X-Forwarded-For, one per proxy as a rule; 1 behind the load balancer of
# docs/deploy.md, 2 behind a CDN and that balancer. 0 (the default): clients connect
# directly and X-Forwarded-For is ignored, since anyone can write it. TRUSTED_PROXIES:
# comma-separated addresses or networks of the proxy that connects to gunicorn (e.g.
# "10.0.0.0/8"); when set, X-Forwarded-For is read only on connections from them. Unset: any
# connection's is read, so gunicorn must be reachable through the proxies only (bound to a
# private network or a Unix socket).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# Browser features no page here uses, switched off for the site and every frame in it
# (django-permissions-policy); browsing-topics/interest-cohort opt out of Google's ad topics.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Content-Security-Policy (django-csp), enforced in every environment. Scripts run only with
# the response's nonce, or when a nonced script adds them: 'strict-dynamic' (CSP Level 3) is
# how consent.js loads the services a visitor accepted; browsers without it fall back to
# 'self' https:. No 'unsafe-inline' or 'unsafe-eval' for scripts. Images, requests and frames
# may reach the hosts of the built-in service types (legal/csp.py), reCAPTCHA's when a key is
# set, the media bucket, and CSP_EXTRA_HOSTS: comma-separated origins a custom-script service
# needs (its editor's to declare), e.g. "https://cdn.example.com"; unset by default.
CSP_EXTRA_HOSTS = env_list("CSP_EXTRA_HOSTS", "")
csp_media_hosts = []
if AWS_STORAGE_BUCKET_NAME:
    # Signed image URLs point at the bucket: path style on a custom endpoint, else AWS's host.
    csp_media_hosts.append(
        (AWS_S3_ENDPOINT_URL or f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com").rstrip("/")
    )
csp_hosts = merge_hosts(
    *SERVICE_TYPE_HOSTS.values(),
    RECAPTCHA if RECAPTCHA_PUBLIC_KEY else {},
    {"img-src": csp_media_hosts},
    dict.fromkeys(
        ("img-src", "connect-src", "frame-src", "style-src", "font-src"), CSP_EXTRA_HOSTS
    ),
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, STRICT_DYNAMIC, "https:"],
        "style-src": [SELF, *csp_hosts.get("style-src", [])],
        "style-src-attr": csp_hosts.get("style-src-attr"),
        "img-src": [SELF, *csp_hosts["img-src"]],
        "connect-src": [SELF, *csp_hosts["connect-src"]],
        "frame-src": [SELF, *csp_hosts["frame-src"]],
        "font-src": [SELF, *csp_hosts.get("font-src", [])],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        # Clickjacking: no framing at all (with X_FRAME_OPTIONS for older browsers).
        "frame-ancestors": [NONE],
        # Only where the site itself insists on TLS; dev.py and test.py serve plain HTTP.
        "upgrade-insecure-requests": SECURE_SSL_REDIRECT,
    }
}
# Wagtail 8's admin still writes inline scripts (date pickers, inline panels) and style
# attributes, so its views get this replacement (site/urls.py): inline code but no nonce (a
# nonce would switch 'unsafe-inline' off), framed only by itself (the preview panel).
CONTENT_SECURITY_POLICY_ADMIN = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:", *csp_media_hosts],
    # The dashboard's check for new Wagtail releases (security fixes among them).
    "connect-src": [SELF, "https://releases.wagtail.org"],
    "frame-src": [SELF],
    "frame-ancestors": [SELF],
}
# Editors' avatars: uploaded ones or Wagtail's default, never a hash of their address sent to
# gravatar.com (GDPR Art. 5(1)(c); it would also need an admin CSP host).
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Logging --------------------------------------------------------------------------------

# The Mailchimp webhook's URL carries its secret: masked as *** on the loggers that write
# request paths (so every handler, files and test captures included, gets the masked record)
# and on the console handler for any other logger. gunicorn's logs: site/gunicorn_conf.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_webhook_secret": {"()": "website.log_filters.MaskWebhookSecret"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        # Django's own for runserver's request lines (django.utils.log.DEFAULT_LOGGING).
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_webhook_secret"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_webhook_secret"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # "Not Found: <path>", "Bad Request: <path>", "Internal Server Error: <path>".
        "django.request": {"level": "WARNING", "filters": ["mask_webhook_secret"]},
        # runserver's request lines, as Django writes them; a configured logger loses its
        # handlers, so Django's handler is named again here.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["mask_webhook_secret"],
        },
        "django.db.backends": {"level": "WARNING"},
    },
}
