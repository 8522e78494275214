"""The one exception the rule functions raise when asked to do something out of order."""

from __future__ import annotations

from collections.abc import Iterable


class RuleViolation(ValueError):
    """A request the rules of procedure refuse; ``messages`` are sentences to show the user."""

    def __init__(self, messages: str | Iterable[str]) -> None:
        self.messages: tuple[str, ...] = (
            (messages,) if isinstance(messages, str) else tuple(messages)
        )
        super().__init__(" ".join(self.messages))
