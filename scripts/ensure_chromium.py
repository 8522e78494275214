"""Find a Chromium for the browser tests, or get one; print its path.

`make test` needs only Python: it runs this first and stops at once, with the one command to
run, only when every way fails. In order:
1. `PLENARY_CHROMIUM` if it is set (it must then be an executable: a typo is an error);
2. the system's Chromium (Debian's `chromium`, `chromium-browser`, Google Chrome);
3. Playwright's own Chromium (`playwright install chromium`), already there or downloaded;
4. Debian's `chromium` package, when apt-get is there and we are root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HINT = (
    "No Chromium for the browser tests. Install one with "
    "`.venv/bin/python -m playwright install chromium` (or `apt-get install chromium`), "
    "or set PLENARY_CHROMIUM to a Chromium executable."
)


class NoChromium(RuntimeError):
    pass


def is_executable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def system_chromium(which: Callable[[str], str | None] = shutil.which) -> str | None:
    for name in SYSTEM_NAMES:
        found = which(name)
        if found:
            return found
    return None


def playwright_chromium() -> str | None:
    """The path of Playwright's own Chromium, if it is installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as playwright:
        path = playwright.chromium.executable_path
    return path if path and is_executable(path) else None


def run(command: Sequence[str]) -> bool:
    print(f"== {' '.join(command)}", file=sys.stderr)
    return subprocess.run(command, check=False).returncode == 0  # noqa: S603


def choose(
    *,
    env: dict[str, str],
    system: Callable[[], str | None],
    playwright: Callable[[], str | None],
    install_playwright: Callable[[], bool],
    install_debian: Callable[[], bool],
) -> str:
    """The first Chromium that the ordered ways give; NoChromium when none does."""
    wanted = env.get("PLENARY_CHROMIUM", "").strip()
    if wanted:
        if not is_executable(wanted):
            raise NoChromium(f"PLENARY_CHROMIUM={wanted} is not an executable file.")
        return wanted
    found = system() or playwright()
    if found:
        return found
    if install_playwright():
        found = playwright()
        if found:
            return found
    if install_debian():
        found = system()
        if found:
            return found
    raise NoChromium(HINT)


def install_debian() -> bool:
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)  # noqa: S607
    if update.returncode != 0:
        return False
    return (
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],  # noqa: S607
            check=False,
            env=env,
            stdout=subprocess.DEVNULL,
        ).returncode
        == 0
    )


def main() -> int:
    try:
        path = choose(
            env=dict(os.environ),
            system=system_chromium,
            playwright=playwright_chromium,
            install_playwright=lambda: run(
                [sys.executable, "-m", "playwright", "install", "chromium"]
            ),
            install_debian=install_debian,
        )
    except NoChromium as error:
        print(f"make test: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
