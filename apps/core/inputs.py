"""Reading ids, numbers and free text from requests and socket frames: one place, one answer.

Every id or number that comes from a client goes through `parse_id` / `parse_int` (a clear
400 for anything that is not a plain ASCII integer in range), and every piece of free text a
person types that others will see goes through `clean_text` (a 422 message for control
characters, NUL, and the bidirectional overrides that let a name or message display as
something other than what it is).

Messages go through `gettext`; callers pass `what=` already translated (`gettext("The channel")`).

`"²".isdigit()` is true and `int("²")` fails; `int("0" * 5000)` is slow; `int("1" * 30)` does
not fit a database column: none of them gets past here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext

# Database ids are bigints; anything larger is never meant and would overflow the column.
MAX_ID = 2**63 - 1
# Digits allowed in an integer from a client: enough for MAX_ID, few enough to be cheap.
MAX_DIGITS = 19

# Bidirectional embeddings, overrides and isolates (the "Trojan Source" characters) and
# the other invisible format characters that can make text display unlike what it holds.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)
INVISIBLE = frozenset("\u200b\u2060\ufeff\u00ad")  # zero-width space, word joiner, BOM, soft hyphen


class BadInput(BadRequest):
    """A request whose ids or numbers cannot be read: answered 400 with this message."""


def parse_int(raw: Any, *, what: str, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """A plain ASCII integer (optional sign) between `minimum` and `maximum`, or BadInput."""
    text = str(raw).strip() if raw is not None else ""
    digits = text[1:] if text[:1] in {"-", "+"} else text
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        raise BadInput(gettext("{what} must be a whole number.").format(what=what))
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadInput(
            gettext("{what} must be between {minimum} and {maximum}.").format(
                what=what, minimum=minimum, maximum=maximum
            )
        )
    return value


def parse_id(raw: Any, *, what: str = "The id") -> int:
    """A database id: a positive integer that fits a bigint."""
    return parse_int(raw, what=what, minimum=1)


def optional_id(raw: Any, *, what: str = "The id") -> int | None:
    """An id, or None when the field is absent or empty."""
    if raw is None or str(raw).strip() == "":
        return None
    return parse_id(raw, what=what)


def parse_ids(raws: Iterable[Any], *, what: str = "The id", limit: int = 200) -> list[int]:
    """Several ids (a multi-select), deduplicated in order; at most `limit` of them."""
    values = list(raws)
    if len(values) > limit:
        raise BadInput(gettext("At most {limit} values may be chosen at once.").format(limit=limit))
    seen: dict[int, None] = {}
    for raw in values:
        seen.setdefault(parse_id(raw, what=what), None)
    return list(seen)


def forbidden_characters(text: str, *, multiline: bool) -> list[str]:
    """Descriptions of the characters in `text` that user text may not hold."""
    found: dict[str, None] = {}
    for ch in text:
        if ch in "\n\t" and multiline:
            continue
        if ch in BIDI_CONTROLS:
            found.setdefault(gettext("right-to-left or left-to-right control characters"), None)
        elif ch in INVISIBLE:
            found.setdefault(gettext("invisible characters"), None)
        elif unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"}:
            found.setdefault(gettext("control characters"), None)
    return list(found)


def clean_text(raw: str, *, what: str, max_length: int, multiline: bool = True) -> str:
    """User text others will read: line endings normalised, stripped, within `max_length`,
    with no control, bidirectional-override or invisible characters. ValidationError
    otherwise (the edges answer 422 with the message)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not multiline:
        text = " ".join(text.split())
    problems = forbidden_characters(text, multiline=multiline)
    if problems:
        raise ValidationError(
            gettext("{what} cannot contain {problems}.").format(
                what=what, problems=gettext(" or ").join(problems)
            )
        )
    if len(text) > max_length:
        raise ValidationError(
            gettext("{what} is limited to {limit} characters (this one has {length}).").format(
                what=what, limit=max_length, length=len(text)
            )
        )
    return text
