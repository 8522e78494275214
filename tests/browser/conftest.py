"""Chromium from Debian's package, driven by Playwright (no browser download, ever)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import live

CHROMIUM = os.environ.get("PLENARY_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("PLENARY_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module. Playwright's sync API keeps an event loop running in
    this thread while it lives, so it must not outlive the browser tests (other tests call
    asyncio.run), and the ORM calls made around it need Django's async-safety check off."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _chromium()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _chromium() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def server(transactional_db: None) -> Iterator[str]:
    with live.asgi_server() as base:
        yield base


# What a page may log as an error because the app meant it: the browser's own line for an
# answer the app gives on purpose (a refusal with its reason: 400, 403, 409, 422; a pace:
# 429), e.g. a test opening a brief it may not read. An htmx request answered so is still
# caught: htmx logs an error of its own for any status it does not swap.
EXPECTED_CONSOLE = re.compile(
    r"^Failed to load resource: the server responded with a status of (400|403|409|422|429)\b"
)
# Requests the browser makes by itself, not the page: none (base.html names its icon, so
# Chromium does not ask for /favicon.ico).
BROWSERS_OWN: tuple[str, ...] = ()


@pytest.fixture(autouse=True)
def _no_page_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every browser test fails on an uncaught script error or an error in a page's console
    (an htmx swap with no target, an invalid re-target...), in any page it opened. The pages
    are closed before the server stops, so a socket losing its server is no error."""
    if "browser" not in request.fixturenames:
        yield
        return
    if "server" in request.fixturenames:
        request.getfixturevalue("server")  # set up first: stops after these pages close
    browser: Any = request.getfixturevalue("browser")
    errors: list[str] = []
    contexts: list[Any] = []
    original = browser.new_context

    def on_console(message: Any) -> None:
        url = str(message.location.get("url", ""))
        if message.type != "error" or EXPECTED_CONSOLE.match(message.text):
            return
        if url.endswith(BROWSERS_OWN):
            return
        errors.append(f"console error: {message.text} ({url})")

    def new_context(*args: Any, **kwargs: Any) -> Any:
        context = original(*args, **kwargs)
        context.on("console", on_console)
        context.on("weberror", lambda error: errors.append(f"page error: {error.error}"))
        contexts.append(context)
        return context

    browser.new_context = new_context
    try:
        yield
    finally:
        browser.new_context = original
        for context in contexts:
            context.close()
    assert errors == [], "\n".join(errors)


def shot(page: object, name: str) -> None:
    """Screenshots for a person to look at, when PLENARY_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        # caret="initial": hiding the caret injects a <style> the page's CSP refuses (an error
        # in the console, which fails the test).
        page.screenshot(  # type: ignore[attr-defined]
            path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True, caret="initial"
        )
