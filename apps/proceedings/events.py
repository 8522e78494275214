"""What a session change sends out after commit: the floor re-rendered for its followers,
and the timer tasks for new deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string

from apps.core.broadcast import push_html
from apps.core.groups import group_for_session, group_for_session_staff
from apps.proceedings.domain.motions import MotionKind
from apps.proceedings.domain.text import duration_text
from apps.proceedings.models import Motion

# What Django's {% csrf_token %} renders as nothing (no warning): pushed forms carry no token
# of their own, htmx sends the page's (hx-headers on <body>).
NO_CSRF_TOKEN = "NOTPROVIDED"  # noqa: S105 - not a secret: Django's sentinel


def motion_text(motion: Motion) -> str:
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


def _context(session_id: int) -> dict[str, Any]:
    from apps.proceedings.selectors import floor_context

    context = floor_context(session_id=session_id)
    context["oob"] = True
    # Pushed forms carry no token of their own: htmx sends the page's (hx-headers on body).
    context["csrf_token"] = NO_CSRF_TOKEN
    return context


def render_floor(session_id: int, *, staff: bool) -> str:
    context = _context(session_id)
    context["staff"] = staff
    return render_to_string("proceedings/partials/floor.html", context)


def broadcast_floor(session_id: int) -> None:
    """Two renders per change (public and chair), each one group send: no query per
    recipient (DESIGN.md §3). The public push also carries the delegations' actions, which
    follow the phase."""
    context = _context(session_id)
    if not context:
        return
    public = render_to_string("proceedings/partials/floor.html", {**context, "staff": False})
    actions = render_to_string("proceedings/partials/delegate_actions.html", context)
    push_html(group_for_session(session_id), public + actions)
    staff = render_to_string("proceedings/partials/floor.html", {**context, "staff": True})
    push_html(group_for_session_staff(session_id), staff)


def broadcast_floor_on_commit(session_id: int) -> None:
    transaction.on_commit(lambda: broadcast_floor(session_id))


def schedule_phase_end_on_commit(session_id: int, entry: int, deadline: dt.datetime) -> None:
    from apps.proceedings.tasks import end_phase

    transaction.on_commit(lambda: end_phase.apply_async((session_id, entry), eta=deadline))


def schedule_speech_end_on_commit(
    session_id: int, speech_number: int, deadline: dt.datetime
) -> None:
    from apps.proceedings.tasks import end_speech

    transaction.on_commit(lambda: end_speech.apply_async((session_id, speech_number), eta=deadline))
