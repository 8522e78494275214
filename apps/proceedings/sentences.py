"""How the record reads: the sentences of the journal, replay and transcripts."""

from __future__ import annotations

from typing import Any, Protocol

from apps.proceedings.domain.motions import MotionKind
from apps.proceedings.domain.text import duration_text


class _MotionLike(Protocol):
    kind: str
    params: Any


def motion_text(motion: _MotionLike) -> str:
    """ "a moderated caucus of 10 minutes (45 s per speaker) on water rights"."""
    try:
        kind = MotionKind(motion.kind)
        label = kind.label.lower()
    except ValueError:
        label = motion.kind.replace("_", " ")
    params = motion.params or {}
    details = []
    if params.get("duration_s"):
        details.append(f"of {duration_text(int(params['duration_s']))}")
    if params.get("speaking_time_s"):
        details.append(f"({int(params['speaking_time_s'])} s per speaker)")
    if params.get("topic"):
        details.append(f"on “{params['topic']}”")
    article = "" if label.startswith(("point", "right")) else "a "
    return " ".join([f"{article}{label}", *details]).strip()
