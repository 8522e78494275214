"""What a session change sends out after commit: the floor re-rendered for its followers,
a delegation's own placard to its screens, and the timer tasks for new deadlines.

Services call these inside their transaction; nothing leaves before commit. Timer tasks are
queued by name (`apps.core.schedule`): the tasks module imports the services, not the
other way round.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string

from apps.core.broadcast import push_html
from apps.core.groups import (
    group_for_session,
    group_for_session_delegation,
    group_for_session_staff,
)
from apps.core.schedule import schedule_on_commit
from apps.proceedings.fragments import render_own_placard
from apps.proceedings.selectors import floor_context

# The timer tasks of apps/proceedings/tasks.py, by their registered names.
END_PHASE_TASK = "apps.proceedings.tasks.end_phase"
END_SPEECH_TASK = "apps.proceedings.tasks.end_speech"


def _context(session_id: int) -> dict[str, Any]:
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


def push_own_placard_on_commit(
    *, session_id: int, delegation_id: int, motion_id: int, choice: str
) -> None:
    """Tell the delegation's other screens (a co-delegate's phone) the placard it now holds."""
    html = render_own_placard(session_id=session_id, motion_id=motion_id, choice=choice)
    group = group_for_session_delegation(session_id, delegation_id)
    transaction.on_commit(lambda: push_html(group, html))


def schedule_phase_end_on_commit(session_id: int, entry: int, deadline: dt.datetime) -> None:
    schedule_on_commit(END_PHASE_TASK, (session_id, entry, deadline.isoformat()), eta=deadline)


def schedule_speech_end_on_commit(
    session_id: int, speech_number: int, deadline: dt.datetime
) -> None:
    schedule_on_commit(
        END_SPEECH_TASK, (session_id, speech_number, deadline.isoformat()), eta=deadline
    )
