"""Human wording shared by the rule modules' messages."""

from __future__ import annotations


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def duration_text(seconds: int) -> str:
    """Seconds in words: ``1200`` -> "20 minutes", ``90`` -> "1 minute 30 seconds"."""
    if seconds <= 0:
        return _plural(seconds, "second")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        _plural(value, unit)
        for value, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
        if value
    ]
    return " ".join(parts)


def capitalise(text: str) -> str:
    """Upper-case the first letter only (``str.capitalize`` lowers the rest)."""
    return text[:1].upper() + text[1:]
