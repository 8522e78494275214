"""Settings shared by every profile. Everything that varies comes from the environment."""

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse_lazy

from config.settings.env import env_bool, env_int, env_list, env_str

# Lets typed code subscript Django's generic classes (ModelAdmin[Model]) at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN_DIR = Path(env_str("PLENARY_RUN_DIR", str(BASE_DIR / ".run")))

SECRET_KEY = env_str("SECRET_KEY", "insecure-local-development-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "csp",
    "axes",
    "apps.core",
    "apps.accounts",
    "apps.delegations",
    "apps.lobby",
    "apps.proceedings",
    "apps.caucus",
]

MIDDLEWARE = [
    "apps.core.middleware.HealthzMiddleware",
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
    # A domain error a view let through: its one status and message (apps/core/errors.py).
    "apps.core.errors.DomainErrorMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "apps.accounts.context_processors.signup",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (production, CI). Without it: one SQLite file, shared by the
# web server and the Celery worker. BASELINES.md §4: a deferred SQLite transaction that reads
# then writes cannot wait for the lock ("database is locked" on ~1 write in 4 with two writer
# processes), so every transaction starts IMMEDIATE, in WAL mode, with a busy timeout.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 5,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
    ),
}


def database_from_env(default_sqlite: Path) -> dict[str, object]:
    url = env_str("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Under ASGI Django's docs say: no persistent connections, use the backend's pool.
        # BASELINES.md §3: without a bounded pool a burst of votes exhausted max_connections.
        config["OPTIONS"] = {
            "pool": {
                "min_size": env_int("DB_POOL_MIN", 2),
                "max_size": env_int("DB_POOL_MAX", 10),
                "timeout": 10,
            },
        }
    return config


DATABASES = {"default": database_from_env(BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker ------------------------------------------------------
# Profiles decide where Redis is (local/test start an embedded one when REDIS_URL is unset).
REDIS_URL = env_str("REDIS_URL")
CHANNEL_LAYER_PREFIX = env_str("CHANNEL_LAYER_PREFIX", "plenary")
# "pubsub" (default) or "core": see channel_layers().
CHANNEL_LAYER = env_str("CHANNEL_LAYER", "pubsub")


def channel_layers(redis_url: str, prefix: str) -> dict[str, object]:
    """The pub/sub layer by default, chosen on purpose (BASELINES.md §1, benchmarks/README.md).

    One group_send is one PUBLISH whatever the number of receivers; each server process
    gets it once and fans out in memory. The core RedisChannelLayer queues each message in a
    Redis sorted set per server process, then in a buffer per consumer, and saturated at ~3.6k
    deliveries/s for 1,000 members, against p99 under 300 ms
    here. Pub/sub has no `capacity` or `expiry`: Redis does not queue a published message,
    so nothing piles up for a dead consumer and nothing expires; a message published while a
    process is disconnected is simply not delivered. That is acceptable because Redis is
    transport only: every push carries a sequence number from the database and clients
    replay gaps from it (DESIGN.md §3).

    `CHANNEL_LAYER=core` selects the core layer instead (for side-by-side measurements:
    benchmarks/fanout.py --layer core).
    """
    if CHANNEL_LAYER == "pubsub":
        return {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [redis_url], "prefix": prefix},
            }
        }
    if CHANNEL_LAYER == "core":
        return {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [
                        {
                            "address": redis_url,
                            # redis-py 8 defaults to a 5 s read timeout, the same as the
                            # layer's 5 s BZPOPMIN: the two race and an idle socket's
                            # consumer dies with TimeoutError (7 of 100 in 30 s, measured).
                            "socket_timeout": 15,
                            # ...and to 100 connections per pool, raising (not waiting)
                            # beyond: 1,000 sockets closing at once failed group_discard.
                            "max_connections": 2000,
                        }
                    ],
                    "prefix": prefix,
                    # capacity bounds two queues: the Redis sorted set of messages waiting for
                    # one server process (a group_send adds ONE entry per process, listing all
                    # its recipients) and the in-memory buffer of each consumer (when full,
                    # the oldest is dropped). 200 holds 40 s of a busy lobby (5 posts/s) or a
                    # burst of events at a vote close, so a process that stalls for seconds
                    # (GC, CPU saturation) drops nothing; and it caps what one stuck socket can
                    # pin in server memory at 200 fragments (~200 KB).
                    # The default, 100, is 20 s of such a lobby. What is dropped beyond it is
                    # replayed from the database by the client (every push has a sequence).
                    "capacity": 200,
                    # expiry: a message not read within 30 s is discarded, and the queue of a
                    # process that died leaves Redis 30 s after the last send to it. A fragment
                    # that late is stale: the socket has missed pings (20 s interval) or its
                    # client replays the gap at the next push, so it would be a duplicate.
                    # Longer than the worst p99 measured when saturated (~8 s, BASELINES §1).
                    "expiry": 30,
                },
            }
        }
    raise ImproperlyConfigured(f"CHANNEL_LAYER must be 'pubsub' or 'core', not {CHANNEL_LAYER!r}.")


# --- Celery ---------------------------------------------------------------------------------
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 3600
# An unacknowledged message (a task running, or an ETA timer held by a worker) goes back to
# the queue after this long. Short, so a killed worker's timers come back quickly; a timer
# that comes back twice is harmless because every task is idempotent, and every deadline
# also lives in the database where the beat sweep catches what was lost (BASELINES.md §2).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 60)}
CELERY_BEAT_SWEEP_SECONDS = env_int("CELERY_BEAT_SWEEP_SECONDS", 2)
CELERY_BEAT_SCHEDULE = {
    # A sweep not taken within its interval is dropped: the next one does the same work,
    # so a worker outage does not leave thousands of stale sweeps to run at restart.
    "proceedings-sweep-deadlines": {
        "task": "apps.proceedings.tasks.sweep_deadlines",
        "schedule": float(CELERY_BEAT_SWEEP_SECONDS),
        "options": {"expires": float(CELERY_BEAT_SWEEP_SECONDS)},
    },
    "lobby-sweep-due-announcements": {
        "task": "apps.lobby.tasks.sweep_due_announcements",
        "schedule": float(CELERY_BEAT_SWEEP_SECONDS),
        "options": {"expires": float(CELERY_BEAT_SWEEP_SECONDS)},
    },
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = reverse_lazy("accounts:login")
LOGIN_REDIRECT_URL = reverse_lazy("delegations:dashboard")
LOGOUT_REDIRECT_URL = reverse_lazy("home")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A student has no password: the session cookie is the key, so it outlives the browser
# (SESSION_EXPIRE_AT_BROWSER_CLOSE stays False) for a whole conference.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 30)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 8)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- Content security policy ------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # 'self' covers this site's own ws:// and wss:// (CSP Level 3): the live socket is
        # the only connection pages make, and no other host is reachable from them.
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# --- i18n, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
# Catalogues (`manage.py makemessages -l fr`) of the apps' templates, code and domain texts.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Plenary --------------------------------------------------------------------------------
LOBBY_MESSAGE_MAX_LENGTH = 2000
# The address phones use (`make run` with HOST=0.0.0.0 sets it to the laptop's network
# address): the join instructions and their QR code show it.
PUBLIC_URL = env_str("PLENARY_PUBLIC_URL", "")
# The largest HTTP request body accepted (config/body_limit.py); no form comes near it.
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
AXES_VERBOSE = False
# Posting limits in caucus channels (per user and per channel, over a window).
CAUCUS_USER_LIMIT = env_int("CAUCUS_USER_LIMIT", 20)
CAUCUS_CHANNEL_LIMIT = env_int("CAUCUS_CHANNEL_LIMIT", 60)
CAUCUS_WINDOW_SECONDS = env_int("CAUCUS_WINDOW_SECONDS", 10)
RATELIMIT_PREFIX = "plenary"
# Motions and points one delegation moves on a session's floor, over a window. A delegation
# moves one every few minutes; six a minute leaves room to withdraw a mistake and move it
# again, not to flood the floor (each motion redraws every screen in the room).
MOTION_DELEGATION_LIMIT = env_int("MOTION_DELEGATION_LIMIT", 6)
MOTION_WINDOW_SECONDS = env_int("MOTION_WINDOW_SECONDS", 60)
# Joining with a code (apps/delegations/services.py, simulation_join), over a window:
# failed attempts per client address (a wrong or closed code), so codes cannot be guessed,
# and attempts of any outcome per code, so a leaked code cannot mint accounts at speed.
JOIN_WINDOW_SECONDS = env_int("JOIN_WINDOW_SECONDS", 300)
JOIN_FAILURES_PER_ADDRESS = env_int("JOIN_FAILURES_PER_ADDRESS", 10)
JOIN_ATTEMPTS_PER_CODE = env_int("JOIN_ATTEMPTS_PER_CODE", 120)
# Instructor sign-up: on by default; off for a server where the admin creates instructors.
PLENARY_INSTRUCTOR_SIGNUP = env_bool("PLENARY_INSTRUCTOR_SIGNUP", True)
SIGNUP_ATTEMPTS_PER_ADDRESS = env_int("SIGNUP_ATTEMPTS_PER_ADDRESS", 10)
SIGNUP_WINDOW_SECONDS = env_int("SIGNUP_WINDOW_SECONDS", 3600)
