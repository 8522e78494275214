"""Session pages and actions. One dispatcher maps each floor action to one service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django_htmx.http import reswap

from apps.core import policy
from apps.core.http import AuthedRequest
from apps.core.inputs import BadInput, optional_id, parse_id, parse_int
from apps.delegations.models import Committee
from apps.proceedings import fragments, selectors, services
from apps.proceedings.domain.speakers import Side
from apps.proceedings.domain.timers import MAX_TIMER_DAYS, MAX_TIMER_S
from apps.proceedings.models import Session

# Larger numbers are never meant (a day of seconds): refusing them here keeps a typo or a
# tampered form from overflowing a date. Ids and numbers are read by apps.core.inputs alone.
MAX_SECONDS = MAX_TIMER_S  # the one bound for timers (domain/timers.py)


def _optional_int(value: Any, what: str, *, maximum: int) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    return parse_int(value, what=what, minimum=0, maximum=maximum)


def _seconds(value: Any, what: str) -> int | None:
    return _optional_int(value, f"{what} (in seconds)", maximum=MAX_SECONDS)


def _version(request: AuthedRequest) -> int | None:
    return _optional_int(request.POST.get("version"), "The form's version", maximum=2**31 - 1)


def _session(request: AuthedRequest, session_id: int, action: str = "session.view") -> Session:
    session = selectors.session_for_page(session_id=session_id)
    if session is None:
        raise Http404("No such session.")
    policy.require(request.user, action, session)
    return session


@login_required
@require_POST
def session_create(request: AuthedRequest, simulation_id: int, committee_id: int) -> HttpResponse:
    committee = get_object_or_404(
        Committee.objects.select_related("simulation"), pk=committee_id, simulation_id=simulation_id
    )
    try:
        session = services.session_create(committee=committee, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(committee)
    return redirect(session)


def _page(request: AuthedRequest, session: Session, *, projector: bool = False) -> dict[str, Any]:
    """A whole page's context: the floor, whose console it is, and the viewer's own delegation
    (its ballot, its yield form, its actions: for this request alone, never pushed to others)."""
    floor = selectors.floor_context(session_id=session.pk, session=session)
    if floor is None:
        raise Http404("No such session.")
    staff = not projector and policy.can(request.user, "session.chair", session)
    return {
        "floor": floor,
        "committee": session.committee,
        "simulation": session.committee.simulation,
        "staff": staff,
        "projector": projector,
        "me": None if staff or projector else fragments.viewer(request.user, floor),
    }


@login_required
def session_page(request: AuthedRequest, session_id: int) -> HttpResponse:
    """The chair's console, the delegate's screen or the observer's view of one session."""
    session = _session(request, session_id)
    return render(request, "proceedings/session.html", _page(request, session))


@login_required
def projector(request: AuthedRequest, session_id: int) -> HttpResponse:
    """For the room's big screen: phase, timer, speaker, list, motion; no controls."""
    session = _session(request, session_id)
    return render(request, "proceedings/projector.html", _page(request, session, projector=True))


# --- actions --------------------------------------------------------------------------------------

Action = Callable[[AuthedRequest, Session], Any]


def _speaking(request: AuthedRequest, session: Session) -> Any:
    return services.speaker_add(
        session=session,
        by=request.user,
        side=request.POST.get("side") or Side.GENERAL.value,
        delegation_id=optional_id(request.POST.get("delegation"), what="The delegation"),
    )


ACTIONS: dict[str, Action] = {
    "open": lambda r, s: services.session_open(session=s, by=r.user, expected_version=_version(r)),
    "advance": lambda r, s: services.phase_advance(
        session=s,
        by=r.user,
        to=r.POST.get("to", ""),
        duration_s=_minutes(r.POST.get("duration_min")),
        speaking_time_s=_seconds(r.POST.get("speaking_time_s"), "The speaking time"),
        topic=r.POST.get("topic", ""),
        expected_version=_version(r),
    ),
    "end-phase": lambda r, s: services.phase_end_now(
        session=s, by=r.user, expected_version=_version(r)
    ),
    "attendance": lambda r, s: services.attendance_set(
        session=s,
        by=r.user,
        delegation_id=parse_id(r.POST.get("delegation"), what="The delegation"),
        status=r.POST.get("status", ""),
    ),
    "speaker-add": _speaking,
    "speaker-remove": lambda r, s: services.speaker_remove(
        session=s, by=r.user, entry_id=parse_id(r.POST.get("entry"), what="The entry")
    ),
    "speaker-move": lambda r, s: services.speakers_reorder(
        session=s,
        by=r.user,
        entry_id=parse_id(r.POST.get("entry"), what="The entry"),
        direction=r.POST.get("direction", ""),
    ),
    "speaker-next": lambda r, s: services.speaker_next(
        session=s, by=r.user, expected_version=_version(r)
    ),
    "speaker-extend": lambda r, s: services.speaker_extend(
        session=s, by=r.user, seconds=_seconds(r.POST.get("seconds"), "The extension") or 0
    ),
    "speaker-end": lambda r, s: services.speaker_end(session=s, by=r.user),
    "speaker-yield": lambda r, s: services.speaker_yield(
        session=s,
        by=r.user,
        kind=r.POST.get("kind", ""),
        to_delegation_id=optional_id(r.POST.get("to"), what="The delegation"),
    ),
    "motion-move": lambda r, s: services.motion_move(
        session=s,
        by=r.user,
        kind=r.POST.get("kind", ""),
        params={
            "duration_s": _minutes(r.POST.get("duration_min")),
            "speaking_time_s": _seconds(r.POST.get("speaking_time_s"), "The speaking time"),
            "topic": r.POST.get("topic", ""),
        },
    ),
    "motion-withdraw": lambda r, s: services.motion_withdraw(
        session=s, by=r.user, motion_id=parse_id(r.POST.get("motion"), what="The motion")
    ),
    "motion-out-of-order": lambda r, s: services.motion_rule_out_of_order(
        session=s, by=r.user, motion_id=parse_id(r.POST.get("motion"), what="The motion")
    ),
    "motion-entertain": lambda r, s: services.motion_entertain(
        session=s,
        by=r.user,
        motion_id=parse_id(r.POST.get("motion"), what="The motion"),
        expected_version=_version(r),
    ),
    "vote": lambda r, s: services.motion_vote_cast(
        session=s,
        by=r.user,
        motion_id=parse_id(r.POST.get("motion"), what="The motion"),
        choice=r.POST.get("choice", ""),
    ),
    "vote-close": lambda r, s: services.motion_vote_close(
        session=s,
        by=r.user,
        motion_id=parse_id(r.POST.get("motion"), what="The motion"),
        counts=_counts(r),
    ),
    "agenda": lambda r, s: services.agenda_set(session=s, by=r.user, topic=r.POST.get("topic", "")),
    "mediation": lambda r, s: services.mediation_set(
        session=s, by=r.user, mode=r.POST.get("mode", ""), proximity=r.POST.get("proximity") == "on"
    ),
}


def _minutes(value: Any) -> int | None:
    """Forms ask durations in minutes (what a chair says aloud); rules count seconds."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if len(text) > 12:  # 7 days is 10,080 minutes: a long number is never meant
        raise ValidationError(
            gettext("Give the duration in minutes, between 0 and {days} days.").format(
                days=MAX_TIMER_DAYS
            )
        )
    try:
        minutes = float(text.replace(",", "."))
    except ValueError:
        raise ValidationError("Give the duration in minutes, e.g. 10 or 1.5.") from None
    if not 0 <= minutes <= MAX_SECONDS / 60:  # also refuses nan and inf
        raise ValidationError(
            gettext("Give the duration in minutes, between 0 and {days} days.").format(
                days=MAX_TIMER_DAYS
            )
        )
    return round(minutes * 60)


def _counts(request: AuthedRequest) -> dict[str, int] | None:
    if request.POST.get("counted") != "on":
        return None
    return {
        k: _optional_int(request.POST.get(k), f"The {k} count", maximum=10_000) or 0
        for k in ("yes", "no", "abstain")
    }


@login_required
@require_POST
def session_action(request: AuthedRequest, session_id: int, action: str) -> HttpResponse:
    """Run one floor action. htmx gets back the parts of the floor the action changed, out of
    band (the same parts the websocket pushes: whichever arrives second is dropped) and no
    main swap, so the answer never needs the form that was sent to still be on the page. A
    refusal puts the reason in the page's error slot. Plain posts redirect."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("No such action.")
    session = _session(request, session_id)
    before = session.last_event_seq
    try:
        handler(request, session)
    except BadInput as error:  # an id or number that cannot be read: 400 with the reason
        if not request.htmx:
            raise  # handler400 says it on a page
        return _refusal(request, session, str(error), status=400)
    except ValidationError as error:
        return _refusal(request, session, " ".join(error.messages), status=422)
    if not request.htmx:
        return redirect(session)
    touched = fragments.touched_by(selectors.events_since(session_id=session.pk, after=before))
    floor = selectors.floor_context(session_id=session.pk, sections=fragments.sections_for(touched))
    if floor is None:
        raise Http404("No such session.")
    staff = policy.can(request.user, "session.chair", session)
    me = None if staff else fragments.viewer(request.user, floor)
    html = fragments.render_for(floor, touched, staff=staff, me=me)
    # The answer also clears the error slot of an earlier refusal.
    html += render_to_string(
        "proceedings/partials/action_error.html", {"session_id": session.pk, "text": ""}
    )
    return reswap(HttpResponse(html), "none")


def _refusal(request: AuthedRequest, session: Session, text: str, *, status: int) -> HttpResponse:
    if request.htmx:
        response = render(
            request,
            "proceedings/partials/action_error.html",
            {"session_id": session.pk, "text": text},
            status=status,
        )
        return reswap(response, "none")
    messages.error(request, text)
    return redirect(session)
