"""The embedded default (`make run`): SQLite file + a real Redis on loopback."""

from config import embedded_redis
from config.settings.base import *  # noqa: F403
from config.settings.base import CHANNEL_LAYER_PREFIX, RUN_DIR, channel_layers
from config.settings.env import env_bool, env_list, env_str

# Off unless asked for (`DEBUG=1 make run` to develop): under `make run` every phone on the
# classroom network reaches this server, and Django's debug pages show settings, the Redis
# URL, source code and every URL pattern to whoever triggers an error or a 404.
DEBUG = env_bool("DEBUG", False)
REDIS_URL = env_str("REDIS_URL") or embedded_redis.ensure_shared(RUN_DIR)
CHANNEL_LAYERS = channel_layers(REDIS_URL, CHANNEL_LAYER_PREFIX)
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / "celerybeat-schedule")

# Local use includes phones on the classroom network (HOST=0.0.0.0 make run).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["*"])
# Serve static files straight from static/ (no collectstatic step on a fresh machine).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# WhiteNoise looks for STATIC_ROOT even when it serves from the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
