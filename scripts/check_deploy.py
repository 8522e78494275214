"""`manage.py check --deploy --fail-level WARNING` on the production settings, with the
environment production would have (placeholder values, nothing connects)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
env = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "check-deploy-" + "x" * 60,
    "ALLOWED_HOSTS": "plenary.example.org",
    "DATABASE_URL": "postgres://plenary:plenary@127.0.0.1:5432/plenary",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
sys.exit(
    subprocess.call(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
    )
)
