"""The one exception the rule functions raise when asked to do something out of order."""

from __future__ import annotations

from collections.abc import Iterable

from apps.core.text import Text


class RuleViolation(ValueError):
    """A request the rules of procedure refuse; ``messages`` are sentences to show the user,
    as `Text` (rendered in the user's language at the edge, `apps.core.i18n.render`) or, from
    the modules not yet converted, plain English strings. ``str(error)`` is the English."""

    def __init__(self, messages: Text | str | Iterable[Text | str]) -> None:
        self.messages: tuple[Text | str, ...] = (
            (messages,) if isinstance(messages, Text | str) else tuple(messages)
        )
        super().__init__(" ".join(str(m) for m in self.messages))
