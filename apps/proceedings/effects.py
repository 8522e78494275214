"""What a session change sends out after commit: the floor re-rendered for its followers,
and the timer tasks for new deadlines."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string

from apps.core.broadcast import push_html
from apps.core.groups import (
    group_for_session,
    group_for_session_delegation,
    group_for_session_staff,
)
from apps.proceedings.domain.motions import MotionKind
from apps.proceedings.domain.text import duration_text
from apps.proceedings.models import Motion


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


logger = logging.getLogger(__name__)


def _context(session_id: int) -> dict[str, Any]:
    from apps.proceedings.selectors import floor_context

    context = floor_context(session_id=session_id)
    context["oob"] = True
    # Pushed forms carry no token of their own ({% form_token %} renders nothing): htmx
    # sends the page's, from hx-headers on <body>.
    context["csrf_token"] = ""
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


def render_own_placard(
    *, session_id: int, motion_id: int | None, choice: str, oob: bool = True
) -> str:
    """The placard one delegation holds up, for its own screens only: kept outside the floor,
    so the public floor (which may not show placards yet) never carries or erases it."""
    return render_to_string(
        "proceedings/partials/my_placard.html",
        {"session_id": session_id, "motion_id": motion_id, "choice": choice, "oob": oob},
    )


def push_own_placard_on_commit(
    *, session_id: int, delegation_id: int, motion_id: int, choice: str
) -> None:
    """Tell the delegation's other screens (a co-delegate's phone) the placard it now holds."""
    html = render_own_placard(session_id=session_id, motion_id=motion_id, choice=choice)
    group = group_for_session_delegation(session_id, delegation_id)
    transaction.on_commit(lambda: push_html(group, html))


def schedule_phase_end_on_commit(session_id: int, entry: int, deadline: dt.datetime) -> None:
    from apps.proceedings.tasks import end_phase

    args = (session_id, entry, deadline.isoformat())
    transaction.on_commit(lambda: _schedule(end_phase, args, deadline))


def schedule_speech_end_on_commit(
    session_id: int, speech_number: int, deadline: dt.datetime
) -> None:
    from apps.proceedings.tasks import end_speech

    args = (session_id, speech_number, deadline.isoformat())
    transaction.on_commit(lambda: _schedule(end_speech, args, deadline))


def _schedule(task: Any, args: tuple[int, int, str], eta: dt.datetime) -> None:
    """Queue a timer task. The change is committed already and the beat sweep acts on every
    overdue deadline, so a broker that is down makes the timer late, never lost: log it,
    don't fail the request (nor the broadcasts queued after it)."""
    try:
        task.apply_async(args, eta=eta)
    except Exception:  # noqa: BLE001
        logger.exception("could not queue %s%s; the sweep will end it", task.name, args)
