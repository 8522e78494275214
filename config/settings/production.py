"""Production (docker compose): PostgreSQL and Redis from the environment, secure defaults.

Passes `manage.py check --deploy --fail-level WARNING`. Starting without a secret fails at
once with a message naming the variable, rather than running insecurely.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import CHANNEL_LAYER_PREFIX, channel_layers
from config.settings.env import env_bool, env_int, env_list, env_required

SECRET_KEY = env_required(
    "SECRET_KEY",
    "Set it to a long random string, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
)
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    env_required("ALLOWED_HOSTS", "Set it to the site's host names, comma-separated.")
env_required(
    "DATABASE_URL", "Set it to the PostgreSQL URL, e.g. postgres://user:pass@db:5432/plenary."
)
REDIS_URL = env_required("REDIS_URL", "Set it to the Redis URL, e.g. redis://redis:6379/0.")

CHANNEL_LAYERS = channel_layers(REDIS_URL, CHANNEL_LAYER_PREFIX)
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
