"""Newsroom settings, read from the environment.

Every value has a default that is safe in production (debug off, secure
cookies, HSTS) except where a first run on a laptop needs otherwise, and
that case is asked for explicitly with DJANGO_DEBUG=1 (the Makefile does).
"""

import datetime
import os
import zoneinfo
from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A development checkout keeps its settings in .env (written by `make run`),
# so that plain `manage.py` commands work there; real environment variables
# win over it, and production has no such file.
ENV_FILE = Path(os.environ.get("DJANGO_ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value in "
            "production, or set DJANGO_DEBUG=1 for a local development run."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 - debug only

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_prose_editor",
    "simple_history",
    "axes",
    "newsroom",
    "issues",
    # After issues: its `db_worker` (which starts the deadline chain, see
    # newsroom/planning/reminders.py) is the one `manage.py db_worker` runs.
    "django_tasks_db",
]

MIDDLEWARE = [
    # Outermost: work it defers (subscriber mail with the immediate task
    # backend) runs after the response has been sent.
    "issues.publishing.delivery.AfterResponse",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers asked once per request (newsroom.memo): role holders.
    "newsroom.memo.RequestMemo",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Pages drop the control characters HTML forbids (newsroom.text).
    "newsroom.text.PrintablePages",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"
# In front of Django under a WSGI server (newsroom/wsgi.py), outermost first.
NEWSROOM_WSGI_LAYERS = ["issues.readers.reach.counted_in_memory"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.newsroom",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'newsroom.sqlite3'}")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default with a worker beside the web server (docs/workers.md):
    # WAL lets readers go on while one process writes; a write transaction
    # takes the write lock when it begins (IMMEDIATE), so it waits its turn
    # for up to `timeout` seconds instead of failing with "database is
    # locked" when it upgrades a read lock half-way through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("NEWSROOM_SQLITE_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# No JIT compilation on the site's PostgreSQL connections: it added 0.5-1.4 s
# to queries the planner priced high, and short OLTP queries never repay it.
# And a plan for each execution of a prepared statement, made with its
# values: after five executions PostgreSQL may keep one generic plan, priced
# without the values, which is wrong for skewed data (a search word in 70%
# of stories priced as in 0.5%: an archive search went from 7 ms to 290 ms
# at 100k stories). Statements are still prepared (parsed once).
# docs/benchmarks-pages.md. Kept beside any options DATABASE_URL gives.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c jit=off -c plan_cache_mode=force_custom_plan".strip()
    )
# On PostgreSQL, psycopg binds parameters on the server and prepares a
# statement a connection has run twice (the download's grant query takes
# longer to plan than to run). Turn this off (0) behind a pooler in
# transaction mode that does not track prepared statements (PgBouncer
# before 1.21).
NEWSROOM_PREPARED_STATEMENTS = env.bool("NEWSROOM_PREPARED_STATEMENTS", default=True)
if NEWSROOM_PREPARED_STATEMENTS and "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 2}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ModelBackend, each request's account read through a compiled query
# (newsroom/security/accounts.py). ModelBackend itself stays listed, last,
# for the sessions signed in through it before; it answers a sign-in only
# when AccountBackend did not (the same check, so only a refused one).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "newsroom.security.accounts.AccountBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Where a sign-in without ?next= lands: decided by role (desk, archive, admin).
LOGIN_REDIRECT_URL = "issues:after_sign_in"
LOGOUT_REDIRECT_URL = "issues:home"

# How many proxies we trust in front of Django, each appending the address it
# saw to X-Forwarded-For: 1 behind the documented nginx, 2 with a load
# balancer in front of it, 0 (the default) when clients connect directly, so
# that the header, which anyone can send, is then ignored.
NEWSROOM_TRUSTED_PROXIES = env.int("NEWSROOM_TRUSTED_PROXIES", default=0)

# django-axes: lock an account/address pair out after repeated failures. Per
# pair, so that a stranger cannot lock a user out from elsewhere; the client
# address read through our proxies, so that all clients do not share one.
# Failures per username from every address count too, with a higher limit
# (newsroom/security/lockout.py; the policy in docs/hardening.md). In the database,
# which every process shares.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
NEWSROOM_USERNAME_FAILURE_LIMIT = env.int("NEWSROOM_USERNAME_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "newsroom.security.lockout.LockoutHandler"
# A lockout ends one cool-off after the last failure it counted: tries it
# refuses do not extend it, so hammering cannot lock the real user out for good.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "newsroom.security.clientip.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en-gb"
# The publisher's time zone: every time on the desk, in mails and on the
# calendar is shown in it (and a period "24 - 30 November" is its calendar);
# the database stores UTC. DJANGO_TIME_ZONE is the older name of the setting.
NEWSROOM_TIME_ZONE = env.str(
    "NEWSROOM_TIME_ZONE", default=env.str("DJANGO_TIME_ZONE", default="UTC")
)
try:
    zoneinfo.ZoneInfo(NEWSROOM_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as _error:
    raise ImproperlyConfigured(
        f"NEWSROOM_TIME_ZONE={NEWSROOM_TIME_ZONE!r} is not a time zone (e.g. Europe/Brussels)."
    ) from _error
TIME_ZONE = NEWSROOM_TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from its PyPI package, never from a CDN.
    ("vendor/bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Published issues live in the "artifacts" storage. Private: served only
# through the download view, which checks the reader's subscription. A local
# directory by default (one machine); with NEWSROOM_ARTIFACTS_S3_BUCKET, a
# private bucket of an S3-compatible store through django-storages, shared by
# every web node and worker. Credentials come from the usual AWS_ACCESS_KEY_ID
# and AWS_SECRET_ACCESS_KEY (or the machine's role); nothing is public: no
# ACL grants anyone else access and every URL is signed and short-lived.
# How long a signed link (a download link on a page, a signed URL of the
# bucket) works: as long as a click needs (docs/downloads.md).
NEWSROOM_SIGNED_LINK_SECONDS = env.int("NEWSROOM_SIGNED_LINK_SECONDS", default=60)
NEWSROOM_ARTIFACTS_S3_BUCKET = env.str("NEWSROOM_ARTIFACTS_S3_BUCKET", default="")
if NEWSROOM_ARTIFACTS_S3_BUCKET:
    _s3_endpoint = env.str("NEWSROOM_ARTIFACTS_S3_ENDPOINT_URL", default="") or None
    ARTIFACTS_STORAGE: dict[str, object] = {
        "BACKEND": "issues.publishing.s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": NEWSROOM_ARTIFACTS_S3_BUCKET,
            # A folder in the bucket, when it is shared with other things.
            "location": env.str("NEWSROOM_ARTIFACTS_S3_PREFIX", default=""),
            # An S3-compatible store (MinIO, ...); unset for AWS itself.
            "endpoint_url": _s3_endpoint,
            # Where readers' browsers reach the store, when not at the address
            # the servers use (a compose network): signed URLs name this one.
            "public_endpoint_url": (
                env.str("NEWSROOM_ARTIFACTS_S3_PUBLIC_ENDPOINT_URL", default="") or None
            ),
            "region_name": env.str("NEWSROOM_ARTIFACTS_S3_REGION", default="") or None,
            # Own stores answer at one host name, not at bucket.host.
            "addressing_style": env.str(
                "NEWSROOM_ARTIFACTS_S3_ADDRESSING_STYLE", default="path" if _s3_endpoint else "auto"
            ),
            "signature_version": "s3v4",
            # Buckets with ACLs disabled (AWS's default for new buckets) refuse
            # any ACL header: NEWSROOM_ARTIFACTS_S3_ACL= (empty) sends none.
            "default_acl": env.str("NEWSROOM_ARTIFACTS_S3_ACL", default="private") or None,
            "querystring_auth": True,
            "querystring_expire": NEWSROOM_SIGNED_LINK_SECONDS,
            # A stored edition is never replaced (names are unique anyway).
            "file_overwrite": False,
        },
    }
else:
    ARTIFACTS_STORAGE = {
        "BACKEND": "issues.publishing.storage.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": env.path("NEWSROOM_ARTIFACTS_ROOT", default=BASE_DIR / "var" / "artifacts"),
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "artifacts": ARTIFACTS_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Downloads, after the permission check: "stream" (Python sends the bytes),
# "accel" (nginx X-Accel-Redirect to NEWSROOM_ACCEL_PREFIX + the file's name),
# "sendfile" (X-Sendfile) or "redirect" (a short-lived signed URL of the S3
# storage). Signed download links on the archive and issue pages, when on,
# let a reader download without a session until they expire.
NEWSROOM_DOWNLOADS = env.str("NEWSROOM_DOWNLOADS", default="stream")
if NEWSROOM_DOWNLOADS not in ("stream", "accel", "sendfile", "redirect"):
    raise ImproperlyConfigured(
        "NEWSROOM_DOWNLOADS must be one of stream, accel, sendfile, redirect;"
        f" not {NEWSROOM_DOWNLOADS!r}."
    )
# accel and sendfile hand the front server a file on this machine's disk;
# redirect hands the reader a signed URL of the bucket. Each needs its storage.
if NEWSROOM_DOWNLOADS == "redirect" and not NEWSROOM_ARTIFACTS_S3_BUCKET:
    raise ImproperlyConfigured(
        "NEWSROOM_DOWNLOADS=redirect needs the S3 artifacts storage"
        " (NEWSROOM_ARTIFACTS_S3_BUCKET); the local directory has no URLs."
    )
if NEWSROOM_DOWNLOADS in ("accel", "sendfile") and NEWSROOM_ARTIFACTS_S3_BUCKET:
    raise ImproperlyConfigured(
        f"NEWSROOM_DOWNLOADS={NEWSROOM_DOWNLOADS} serves files from the local artifacts"
        " directory, but NEWSROOM_ARTIFACTS_S3_BUCKET puts them in a bucket:"
        " use redirect (or stream)."
    )
NEWSROOM_ACCEL_PREFIX = env.str("NEWSROOM_ACCEL_PREFIX", default="/protected-artifacts/")
NEWSROOM_SIGNED_LINKS = env.bool("NEWSROOM_SIGNED_LINKS", default=False)
# A signed link also asks whether its reader still may read the issue (one
# indexed query), for publishers who need revocation at once rather than
# within NEWSROOM_SIGNED_LINK_SECONDS.
NEWSROOM_SIGNED_LINK_CHECKS_GRANT = env.bool("NEWSROOM_SIGNED_LINK_CHECKS_GRANT", default=False)

# A task running longer than this (seconds) has lost its worker (killed,
# redeployed): it is marked failed and the desk offers to try again. Longer
# than any task of ours takes, renders included.
NEWSROOM_TASK_TIMEOUT = env.int("NEWSROOM_TASK_TIMEOUT", default=900)
# A task worker beats every few seconds; one silent for this long (seconds)
# is dead, and its running task goes back to the queue (issues/workers.py).
NEWSROOM_WORKER_LOST_AFTER = env.int("NEWSROOM_WORKER_LOST_AFTER", default=30)

# Background work. Immediate by default; in production
# TASKS_BACKEND=django_tasks_db.DatabaseBackend and run `manage.py db_worker`.
# Two queues: "default" (rendering, publishing, notices) and "mail" (issue
# delivery), so a publication never waits behind thousands of mails. Run
# `db_worker --queue-name default` and `db_worker --queue-name mail`
# (or one worker with `--queue-name '*'`).
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django.tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["default", "mail"],
    }
}
# Delivery: seconds of mailing after one response (immediate backend only);
# how old a claim must be before another sender takes it over (a dead worker;
# a live one renews its claim every quarter of this); the first retry's
# delay, doubled for each further attempt; SMTP connections a mail batch
# sends over at once (docs/benchmarks-render-mail.md).
NEWSROOM_DELIVERY_BUDGET = env.float("NEWSROOM_DELIVERY_BUDGET", default=5.0)
NEWSROOM_DELIVERY_LEASE_SECONDS = env.int("NEWSROOM_DELIVERY_LEASE_SECONDS", default=60)
NEWSROOM_DELIVERY_BACKOFF = env.int("NEWSROOM_DELIVERY_BACKOFF", default=60)
NEWSROOM_MAIL_CONNECTIONS = env.int("NEWSROOM_MAIL_CONNECTIONS", default=16)

# Password reset requests per hour, per address asked for and per client.
NEWSROOM_RESETS_PER_ADDRESS = env.int("NEWSROOM_RESETS_PER_ADDRESS", default=3)
NEWSROOM_RESETS_PER_CLIENT = env.int("NEWSROOM_RESETS_PER_CLIENT", default=10)
# The rate limits count in this cache, which every web process must share:
# by default a table of the database (created by `migrate`, see
# newsroom/apps.py); CACHE_URL=redis://... for a cache server instead. Room
# for many entries: past MAX_ENTRIES the database cache drops some, counters
# of live limits included.
CACHES = {
    "default": env.cache_url("CACHE_URL", default="dbcache://newsroom_cache?MAX_ENTRIES=10000")
}

# Mail: the console by default; EMAIL_URL=smtp+tls://user:pass@host:587 for SMTP.
_email = env.email_url("EMAIL_URL", default="consolemail://")
_smtp = _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            "host": _email["EMAIL_HOST"],
            "port": _email["EMAIL_PORT"],
            "username": _email["EMAIL_HOST_USER"],
            "password": _email["EMAIL_HOST_PASSWORD"],
            "use_tls": _email.get("EMAIL_USE_TLS", False),
            "use_ssl": _email.get("EMAIL_USE_SSL", False),
            "timeout": 30,
        }
        if _smtp
        else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where replies to subscriber mail go (Reply-To), also offered as the mailto:
# of List-Unsubscribe; empty: no Reply-To, and only the one-click https link.
NEWSROOM_REPLY_TO = env.str("NEWSROOM_REPLY_TO", default="")

# The publisher's name: in PDF metadata, page footers and mails.
NEWSROOM_PUBLISHER = env.str("NEWSROOM_PUBLISHER", default="Newsroom Demo Publishing")
NEWSROOM_SITE_URL = env.str("NEWSROOM_SITE_URL", default="http://127.0.0.1:8000")
# Subscribers may sign themselves up (with an email confirmation) when on.
NEWSROOM_SELF_SIGNUP = env.bool("NEWSROOM_SELF_SIGNUP", default=False)
# Count downloads per edition, day and reader on our own server (issues/readers/reach.py).
NEWSROOM_COUNT_DOWNLOADS = env.bool("NEWSROOM_COUNT_DOWNLOADS", default=True)

# Renders (and reading uploaded PDFs) run in a pool of long-lived worker
# processes, the render service's (one per machine) or, without it, the
# web or task process's own (issues/rendering/pool.py): a job past the
# time limit, or a worker past the memory limit, is stopped and the person
# told what was too big. Workers are replaced after so many jobs.
NEWSROOM_RENDER_TIME_LIMIT = env.float("NEWSROOM_RENDER_TIME_LIMIT", default=60.0)
NEWSROOM_RENDER_MEMORY_LIMIT_MB = env.int("NEWSROOM_RENDER_MEMORY_LIMIT_MB", default=512)
NEWSROOM_RENDER_WORKERS = env.int("NEWSROOM_RENDER_WORKERS", default=2)
NEWSROOM_RENDER_WORKER_MAX_JOBS = env.int("NEWSROOM_RENDER_WORKER_MAX_JOBS", default=200)
# One pool per machine: `manage.py render_server` listens on this Unix socket
# and every process with the same setting renders through it; where no
# socket is there, a process uses a pool of its own (issues/rendering/service.py).
# Empty: never look for the service.
NEWSROOM_RENDER_SOCKET = env.str(
    "NEWSROOM_RENDER_SOCKET", default=str(BASE_DIR / "var" / "render" / "render.sock")
)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Security. Secure by default; DJANGO_DEBUG=1 relaxes what plain-HTTP
# development on 127.0.0.1 needs.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read through a compiled query
# (newsroom/security/sessions.py).
SESSION_ENGINE = "newsroom.security.sessions"
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
# Opt-in: both reach beyond this site (every subdomain; browsers' built-in
# lists, hard to leave), so the publisher decides. Django's deploy check
# reminds of them; not asking for them is a choice, so the reminder is off.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
# A load balancer probes /healthz over plain HTTP and reads a redirect as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # ProseMirror and Bootstrap set style attributes on elements.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    # The issue's HTML export carries its typefaces as data: URLs.
    "font-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Paths that hold a credential (review links, private feed and calendar
# addresses, signed links, reset links) are logged with it replaced by
# "[redacted]" (newsroom/security/redaction.py): on the console handler, which every
# record reaches, and on the loggers that log request paths, so that any
# handler added to them sees the redacted record too.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "newsroom.security.redaction.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Through the root's handler only: Django's own console handler would
        # print each of its lines (the task worker's, runserver's reloader) a
        # second time in debug.
        "django": {"level": "INFO"},
        "django.request": {"filters": ["redact_secrets"]},
        "django.security.csrf": {"filters": ["redact_secrets"]},
        # runserver's request lines, through the root's handler as well.
        "django.server": {"filters": ["redact_secrets"], "propagate": True},
        # WeasyPrint reports every refused resource; our fetcher logs them once.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
