"""The one bound for every timer: a phase, a caucus, a speech, a suspension, a scheduled
announcement. A week covers a suspension between rounds of talks; anything longer is a typo.
Forms, services, the rules editor and the domain all read it from here."""

from __future__ import annotations

from typing import Final

MAX_TIMER_DAYS: Final = 7
MAX_TIMER_S: Final = MAX_TIMER_DAYS * 24 * 3600
"""The longest any timer may run, in seconds (7 days)."""
