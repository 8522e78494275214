"""What the browser is told about the site: security headers and cookie flags, as responses
carry them, under the test settings and under the production settings.

`manage.py check --deploy` on the production settings is already run by
tests/core/test_health_and_settings.py (and `make check`); these tests look at real responses.
The production settings module is loaded as production loads it (from the environment it
requires) and its security settings applied to a fresh request handler, so the middleware
reads them as a production process would.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from apps.accounts.models import User
from apps.delegations import services as delegations
from apps.delegations.models import Simulation

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HOST = "plenary.example.org"
PRODUCTION_ENV = {
    "SECRET_KEY": "test-only-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2,
    "ALLOWED_HOSTS": HOST,
    "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://plenary@127.0.0.1:5432/plenary",
    "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
}
# The settings that decide what a response tells the browser (headers, cookies, redirects).
SECURITY_SETTINGS = re.compile(
    r"^(DEBUG|ALLOWED_HOSTS|SECURE_\w+|SESSION_\w+|CSRF_\w+|X_FRAME_OPTIONS|CONTENT_SECURITY_POLICY)$"
)
ONE_YEAR = 365 * 24 * 3600


def production_security_settings() -> dict[str, Any]:
    saved = {name: os.environ.get(name) for name in PRODUCTION_ENV}
    os.environ.update(PRODUCTION_ENV)
    try:
        spec = importlib.util.spec_from_file_location(
            "plenary_production_settings", ROOT / "config" / "settings" / "production.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return {name: getattr(module, name) for name in dir(module) if SECURITY_SETTINGS.match(name)}


class Site:
    """A browser talking to the site under one profile's settings."""

    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.production = profile == "production"
        self.client = Client()  # a fresh handler: its middleware reads the settings in force

    def get(self, path: str) -> Any:
        if self.production:
            return self.client.get(path, secure=True, headers={"host": HOST})
        return self.client.get(path)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        if self.production:
            return self.client.post(path, data, secure=True, headers={"host": HOST})
        return self.client.post(path, data)


@pytest.fixture(params=["test", "production"])
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    if request.param == "production":
        with override_settings(**production_security_settings()):
            yield Site("production")
    else:
        yield Site("test")


@pytest.fixture
def production() -> Iterator[Site]:
    with override_settings(**production_security_settings()):
        yield Site("production")


@pytest.fixture
def open_simulation(db: None) -> Simulation:
    owner = User.objects.create_user(
        username="okafor", password="a-long-test-password", is_instructor=True
    )
    return delegations.simulation_create(owner=owner, title="Crisis in Veridia")


def csp(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


PAGES = ["/", "/join/", "/accounts/login/"]


@pytest.mark.parametrize("path", PAGES)
def test_scripts_and_styles_come_from_the_site_alone_never_inline_or_eval(
    site: Site, path: str
) -> None:
    response = site.get(path)
    assert response.status_code == 200
    policy = csp(response)
    assert policy.get("default-src") == ["'self'"]
    for directive in ("script-src", "style-src"):
        sources = policy.get(directive) or policy["default-src"]
        assert "'unsafe-inline'" not in sources, (directive, sources)
        assert "'unsafe-eval'" not in sources, (directive, sources)
        assert not {"*", "data:", "http:", "https:"} & set(sources), (directive, sources)


@pytest.mark.parametrize("path", PAGES)
def test_scripts_connect_to_this_site_only_not_to_any_websocket_host(site: Site, path: str) -> None:
    """A bare `ws:` or `wss:` source lets an injected script open a socket to any host."""
    sources = csp(site.get(path)).get("connect-src", [])
    assert sources, "connect-src is missing (default-src would apply; say it explicitly)"
    broad = [s for s in sources if s in {"*", "ws:", "wss:", "http:", "https:"}]
    assert not broad, f"connect-src allows any host: {broad}"
    assert all(s == "'self'" or "://" in s for s in sources), sources


@pytest.mark.parametrize("path", PAGES)
def test_no_page_can_be_framed_sniffed_or_leak_its_address_to_other_sites(
    site: Site, path: str
) -> None:
    response = site.get(path)
    assert csp(response).get("frame-ancestors") == ["'none'"]
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"


def test_the_session_cookie_is_hidden_from_scripts_and_not_sent_cross_site(
    site: Site, open_simulation: Simulation
) -> None:
    response = site.post("/join/", {"code": open_simulation.join_code, "display_name": "Amina"})
    assert response.status_code == 302, response.status_code  # joined and logged in
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) is site.production


def test_the_csrf_cookie_is_not_sent_cross_site(site: Site) -> None:
    response = site.get("/join/")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["samesite"] in {"Lax", "Strict"}
    assert bool(cookie["secure"]) is site.production


def test_in_production_plain_http_is_redirected_to_https(production: Site) -> None:
    response = production.client.get("/join/", headers={"host": HOST})
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/join/"


def test_in_production_browsers_are_told_to_use_https_for_a_year_with_subdomains(
    production: Site,
) -> None:
    hsts = production.get("/join/").headers.get("Strict-Transport-Security", "")
    fields = [f.strip() for f in hsts.split(";")]
    max_age = next((int(f.split("=", 1)[1]) for f in fields if f.startswith("max-age=")), 0)
    assert max_age >= ONE_YEAR, hsts
    assert "includeSubDomains" in fields, hsts


def test_in_production_https_ended_at_the_proxy_counts_as_https(production: Site) -> None:
    """The proxy ends TLS and says so in X-Forwarded-Proto (deploy/nginx.conf): the request
    is secure (no redirect loop, HSTS sent); without the header it is redirected."""
    behind_proxy = production.client.get(
        "/join/", headers={"host": HOST, "x-forwarded-proto": "https"}
    )
    assert behind_proxy.status_code == 200
    assert behind_proxy.headers.get("Strict-Transport-Security")
