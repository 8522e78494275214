"""Human wording shared by the rule modules' messages."""

from __future__ import annotations

from typing import Any

from apps.core.text import Text


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


# --- a Text in a JSON column --------------------------------------------------------------
# A stored sentence (a decided motion's reason and tally) keeps its template and parameters,
# so it is translated when it is read: ``{"template": "...", "params": {"name": value}}``, a
# parameter that is itself a Text stored the same way. Rows written before are plain English
# strings: they read back as they are (a legacy sentence).


def text_to_data(text: Text) -> dict[str, Any]:
    """``text`` as JSON-ready data (``text_from_data`` reads it back)."""
    return {
        "template": text.template,
        "params": {
            name: text_to_data(value) if isinstance(value, Text) else value
            for name, value in text.params
        },
    }


def text_from_data(data: object) -> Text | str:
    """A stored sentence: a ``Text`` from ``text_to_data``'s form, a legacy string as it is."""
    if isinstance(data, dict) and isinstance(data.get("template"), str):
        params = data.get("params")
        pairs = params.items() if isinstance(params, dict) else ()
        return Text(
            data["template"],
            tuple(
                sorted(
                    (str(name), text_from_data(value) if isinstance(value, dict) else value)
                    for name, value in pairs
                )
            ),
        )
    return data if isinstance(data, str) else ""
