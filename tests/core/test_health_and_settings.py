from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_the_database_and_redis() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_redis_is_down() -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"].startswith("error")
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_whatever_host_the_probe_uses() -> None:
    with override_settings(ALLOWED_HOSTS=["plenary.example.org"]):
        assert Client().get("/healthz", HTTP_HOST="web:8000").status_code == 200
        assert Client().get("/", HTTP_HOST="web:8000").status_code == 400


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="test-only-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2,
        ALLOWED_HOSTS="plenary.example.org",
        DATABASE_URL="postgres://plenary@127.0.0.1:5432/plenary",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v != ""}


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check() -> None:
    result = run_manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_secret_and_says_which(missing: str) -> None:
    result = run_manage(production_env(**{missing: ""}), "check")
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_production_uses_a_bounded_database_pool_and_the_pubsub_layer() -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['OPTIONS']['pool']['max_size'], s.DATABASES['default']['CONN_MAX_AGE'],"
        " s.CHANNEL_LAYERS['default']['BACKEND'], s.CELERY_TASK_ACKS_LATE, s.CELERY_TASK_REJECT_ON_WORKER_LOST)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [
        "10",
        "0",
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        "True",
        "True",
    ]


def test_the_embedded_sqlite_profile_serialises_writers() -> None:
    from config.settings.base import SQLITE_OPTIONS

    assert SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in str(SQLITE_OPTIONS["init_command"])
    assert "busy_timeout" in str(SQLITE_OPTIONS["init_command"])


LOCAL_PROFILE_PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
missing = client.get("/no-such-page/")
page = missing.content.decode()
css = client.get("/static/css/plenary.css")
print(
    settings.DEBUG,
    settings.WHITENOISE_AUTOREFRESH,
    missing.status_code,
    "URLconf" in page or "sims/" in page or "admin/" in page,
    "There is nothing at this address" in page,
    css.status_code,
)
"""


def local_profile(tmp_path: Path, **extra: str) -> list[str]:
    """The `make run` settings as a fresh process reads them (REDIS_URL set: no Redis starts)."""
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        REDIS_URL=settings.REDIS_URL,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PLENARY_RUN_DIR=str(tmp_path / "run"),
        **extra,
    )
    result = subprocess.run(
        [sys.executable, "-c", LOCAL_PROFILE_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_make_run_has_debug_off_and_a_plain_404_that_lists_no_urls(tmp_path: Path) -> None:
    debug, autorefresh, status, lists_urls, plain, css = local_profile(tmp_path)
    assert (debug, autorefresh) == ("False", "False")
    assert status == "404" and lists_urls == "False" and plain == "True"
    assert css == "200"  # WhiteNoise still serves static files from the finders


def test_debug_is_turned_on_for_development_only_when_asked(tmp_path: Path) -> None:
    debug, autorefresh, *_ = local_profile(tmp_path, DEBUG="1")
    assert (debug, autorefresh) == ("True", "True")


@pytest.mark.django_db
def test_the_error_pages_are_plain_pages_with_debug_off() -> None:
    from django.conf import settings
    from django.test import RequestFactory
    from django.views.defaults import server_error

    assert not settings.DEBUG
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    not_found = Client().get("/no-such-page/")
    assert not_found.status_code == 404 and "URLconf" not in not_found.content.decode()
    bad = Client().get("/sims/1/?x=1", HTTP_HOST="bad host")
    assert bad.status_code == 400 and "Bad request" in bad.content.decode()


@pytest.mark.django_db
def test_pages_may_connect_to_this_site_only() -> None:
    """No `ws:`/`wss:` in connect-src: an injected script could not send a page's contents to
    a socket elsewhere. 'self' covers the site's own ws:// and wss:// (the live socket)."""
    policy = Client().get("/").headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["connect-src"] == ["'self'"]
