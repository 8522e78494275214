"""The README's layout section names every app (a new app is documented where it lives)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def layout_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1]
    return section.split("\n## ", 1)[0]


def test_the_readme_layout_names_every_app_and_the_core_modules_others_use() -> None:
    layout = layout_section()
    apps = sorted(p.parent.name for p in (ROOT / "apps").glob("*/apps.py"))
    assert apps, "no apps found"
    missing = [name for name in apps if f"{name}/" not in layout]
    assert missing == [], f"README's layout section does not name {missing}"
    for module in ("policy.py", "inputs.py", "text.py", "i18n.py", "errors.py"):
        assert module in layout, module
