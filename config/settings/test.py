"""Tests: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI), else SQLite and an
embedded Redis started for the test run. Real parts either way: no in-memory channel layer,
no eager Celery."""

import os

from config import embedded_redis
from config.settings.base import *  # noqa: F403
from config.settings.base import RUN_DIR, channel_layers
from config.settings.env import env_str

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]

REDIS_URL = env_str("REDIS_URL") or embedded_redis.ensure_private()

# pytest-xdist runs several test processes against one Redis: each gets its own Celery
# queue (Redis database number) and channel-layer prefix (pub/sub ignores database numbers),
# so a worker started by one test process never takes another process's tasks.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw-main")
# One id per test run (the first process sets it, its xdist workers and the servers and
# Celery workers it starts inherit it): two runs at once on one machine never share a test
# database, a queue or a channel-layer prefix.
_run = os.environ.setdefault("PLENARY_TEST_RUN", str(os.getpid()))
_index = int(_worker[2:]) + 1 if _worker[2:].isdigit() else 0
_base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
CELERY_BROKER_URL = f"{_base}/{_index % 16}"
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CHANNEL_LAYER_PREFIX = f"plenary-test-{_run}-{_worker}"
CELERY_TASK_DEFAULT_QUEUE = f"plenary-test-{_run}-{_worker}"
RATELIMIT_PREFIX = f"plenary-test-{_run}-{_worker}"
CHANNEL_LAYERS = channel_layers(REDIS_URL, CHANNEL_LAYER_PREFIX)
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / f"celerybeat-test-{_worker}")
AXES_ENABLED = env_str("AXES_ENABLED", "1") == "1"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests that start real server and worker processes share the test database with them, so
# the SQLite test database is a file (never ":memory:").
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(RUN_DIR / f"test-{_run}.sqlite3")}  # noqa: F405
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_plenary_{_run}"}  # noqa: F405
RUN_DIR.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True

# No connection pool in tests: pooled connections held by Channels' worker threads would keep
# the test database busy when pytest-django drops it. Production's pool is tested as settings.
_options = DATABASES["default"].get("OPTIONS")  # noqa: F405
if isinstance(_options, dict):
    _options.pop("pool", None)

# WhiteNoise looks for STATIC_ROOT even when it serves from the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
