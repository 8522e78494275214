"""Every write to the lobby, one function per use case."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext

from apps.accounts.models import User
from apps.core import policy, ratelimit
from apps.core.broadcast import push_html_on_commit
from apps.core.errors import RateLimited
from apps.core.groups import group_for_simulation
from apps.core.inputs import clean_text
from apps.core.schedule import schedule_on_commit
from apps.core.streams import next_seq
from apps.delegations.models import Simulation
from apps.lobby.models import Announcement, LobbyMessage, LobbyStream
from apps.proceedings.domain.timers import MAX_TIMER_DAYS, MAX_TIMER_S

MAX_ANNOUNCEMENT_DELAY = dt.timedelta(seconds=MAX_TIMER_S)


def _delay_refused() -> str:
    return ngettext(
        "Choose a delay between 0 seconds and %(days)d day.",
        "Choose a delay between 0 seconds and %(days)d days.",
        MAX_TIMER_DAYS,
    ) % {"days": MAX_TIMER_DAYS}


# In the reader's language when it is shown (the form's error messages use it too).
DELAY_REFUSED = lazy(_delay_refused, str)()
# The task of apps/lobby/tasks.py that posts a due announcement (queued by name: the tasks
# module imports this one).
POST_DUE_TASK = "apps.lobby.tasks.post_due_announcement"


def clean_body(body: str, *, what: str | None = None) -> str:
    """What everyone in the simulation will read: not empty, not too long, and without the
    control, bidirectional-override or invisible characters `clean_text` refuses."""
    text = body.strip()
    if not text:
        raise ValidationError(gettext("Write something first: the message is empty."))
    limit = settings.LOBBY_MESSAGE_MAX_LENGTH
    if len(text) > limit:
        raise ValidationError(
            gettext("Messages are limited to {limit} characters (this one has {length}).").format(
                limit=limit, length=len(text)
            )
        )
    return clean_text(text, what=what or gettext("A message"), max_length=limit)


def _append(*, simulation_id: int, author: User | None, body: str, kind: str) -> LobbyMessage:
    """Append with the next number of the simulation's lobby (`next_seq` on its counter
    row, locked until commit: gap-free). Must run inside a transaction."""
    message = LobbyMessage.objects.create(
        simulation_id=simulation_id,
        seq=_next_seq(simulation_id),
        author=author,
        body=body,
        kind=kind,
    )
    html = render_to_string("lobby/partials/push.html", {"message": message})
    push_html_on_commit(group_for_simulation(simulation_id), html)
    return message


def _next_seq(simulation_id: int) -> int:
    """The lobby's next number; its counter row is made on the first post (two first posts
    at once make it once: the second insert is ignored, and waits for the first's lock)."""
    try:
        return next_seq(LobbyStream, simulation_id, "last_seq")
    except LobbyStream.DoesNotExist:
        LobbyStream.objects.bulk_create(
            [LobbyStream(simulation_id=simulation_id)], ignore_conflicts=True
        )
        return next_seq(LobbyStream, simulation_id, "last_seq")


def message_post(*, simulation: Simulation, by: User, body: str) -> LobbyMessage:
    """Post to the lobby. Pushed to every open socket of the simulation after commit."""
    policy.require(by, "lobby.post", simulation)
    text = clean_body(body)
    window = settings.CAUCUS_WINDOW_SECONDS
    key = f"lobby-user:{by.pk}"
    if not ratelimit.hit(key, limit=settings.CAUCUS_USER_LIMIT, window_s=window):
        raise RateLimited(
            gettext(
                "Slow down: at most {limit} messages in {window} seconds. Your message was "
                "not sent; try again in a moment."
            ).format(limit=settings.CAUCUS_USER_LIMIT, window=window)
        )
    with transaction.atomic():
        return _append(
            simulation_id=simulation.pk, author=by, body=text, kind=LobbyMessage.Kind.MESSAGE
        )


def announcement_schedule(
    *, simulation: Simulation, by: User, body: str, delay: dt.timedelta
) -> Announcement:
    """Schedule an announcement; the worker posts it when due (task + beat sweep)."""
    policy.require(by, "lobby.announce", simulation)
    text = clean_body(body, what=gettext("An announcement"))
    if delay < dt.timedelta(0) or delay > MAX_ANNOUNCEMENT_DELAY:
        raise ValidationError(DELAY_REFUSED)
    with transaction.atomic():
        announcement = Announcement.objects.create(
            simulation=simulation, author=by, body=text, due_at=timezone.now() + delay
        )
        schedule_on_commit(POST_DUE_TASK, (announcement.pk,), eta=announcement.due_at)
    return announcement


def announcement_post_if_due(*, announcement_id: int, now: dt.datetime | None = None) -> bool:
    """Post the announcement if it is due and not yet posted. Returns whether it posted now.

    Idempotent: the row is locked (`select_for_update`) and `message` is set in the same
    transaction, so a duplicated task, a retry after a killed worker, or the sweep racing
    the task post it exactly once. The author must still be allowed to announce.
    """
    now = now or timezone.now()
    with transaction.atomic():
        announcement = (
            Announcement.objects.select_for_update()
            .select_related("author")
            .filter(pk=announcement_id)
            .first()
        )
        if announcement is None or announcement.message_id or announcement.cancelled:
            return False
        if announcement.due_at > now:
            return False
        if not policy.can(announcement.author, "lobby.announce", announcement):
            announcement.cancelled = True
            announcement.save(update_fields=["cancelled"])
            return False
        announcement.message = _append(
            simulation_id=announcement.simulation_id,
            author=announcement.author,
            body=announcement.body,
            kind=LobbyMessage.Kind.ANNOUNCEMENT,
        )
        announcement.save(update_fields=["message"])
        return True


def announcements_sweep(*, now: dt.datetime | None = None) -> int:
    """Post every overdue announcement a lost task missed. Returns how many it posted."""
    now = now or timezone.now()
    due = Announcement.objects.filter(
        message__isnull=True, cancelled=False, due_at__lte=now
    ).values_list("pk", flat=True)[:500]
    return sum(announcement_post_if_due(announcement_id=pk, now=now) for pk in list(due))
