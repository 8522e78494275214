"""`make test` finds or gets a Chromium in a fixed order, and stops with one command to run
when every way fails (scripts/ensure_chromium.py; the ways are fakes here: a pure rule)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ensure_chromium", ROOT / "scripts" / "ensure_chromium.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["ensure_chromium"] = module
    spec.loader.exec_module(module)
    return module


ensure = script()


class Ways:
    def __init__(
        self,
        *,
        system: str | None = None,
        playwright: str | None = None,
        after_playwright_install: str | None = None,
        after_debian_install: str | None = None,
    ) -> None:
        self.system_path, self.playwright_path = system, playwright
        self.after_playwright_install = after_playwright_install
        self.after_debian_install = after_debian_install
        self.tried: list[str] = []

    def system(self) -> str | None:
        self.tried.append("system")
        return self.system_path

    def playwright(self) -> str | None:
        self.tried.append("playwright")
        return self.playwright_path

    def install_playwright(self) -> bool:
        self.tried.append("install playwright")
        self.playwright_path = self.after_playwright_install
        return self.after_playwright_install is not None

    def install_debian(self) -> bool:
        self.tried.append("install debian")
        self.system_path = self.after_debian_install
        return self.after_debian_install is not None

    def choose(self, env: dict[str, str] | None = None) -> str:
        return ensure.choose(
            env=env or {},
            system=self.system,
            playwright=self.playwright,
            install_playwright=self.install_playwright,
            install_debian=self.install_debian,
        )


def test_plenary_chromium_wins_when_it_is_an_executable(tmp_path: Path) -> None:
    browser = tmp_path / "chrome"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    ways = Ways(system="/usr/bin/chromium")
    assert ways.choose({"PLENARY_CHROMIUM": str(browser)}) == str(browser)
    assert ways.tried == []


def test_a_plenary_chromium_that_is_not_there_is_an_error_not_a_fallback() -> None:
    with pytest.raises(ensure.NoChromium, match="not an executable"):
        Ways(system="/usr/bin/chromium").choose({"PLENARY_CHROMIUM": "/nowhere/chrome"})


def test_the_system_chromium_comes_before_any_download() -> None:
    ways = Ways(system="/usr/bin/chromium", playwright="/pw/chrome")
    assert ways.choose() == "/usr/bin/chromium"
    assert "install playwright" not in ways.tried


def test_without_a_system_chromium_playwrights_own_is_used_then_installed() -> None:
    assert Ways(playwright="/pw/chrome").choose() == "/pw/chrome"
    ways = Ways(after_playwright_install="/pw/new/chrome")
    assert ways.choose() == "/pw/new/chrome"
    assert "install debian" not in ways.tried


def test_debians_package_is_the_last_resort() -> None:
    ways = Ways(after_debian_install="/usr/bin/chromium")
    assert ways.choose() == "/usr/bin/chromium"
    assert ways.tried == ["system", "playwright", "install playwright", "install debian", "system"]


def test_when_every_way_fails_it_says_the_one_command_to_run() -> None:
    with pytest.raises(ensure.NoChromium, match="playwright install chromium"):
        Ways().choose()


def test_on_this_machine_it_prints_a_chromium_that_runs(capsys: pytest.CaptureFixture[str]) -> None:
    module = ensure
    assert module.main() == 0
    path = capsys.readouterr().out.strip()
    assert module.is_executable(path)
