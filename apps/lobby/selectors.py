from __future__ import annotations

from django.db.models import QuerySet
from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.core import policy
from apps.lobby.models import Announcement, LobbyMessage

PANEL_SIZE = 50


def lobby_recent(*, simulation_id: int, limit: int = PANEL_SIZE) -> list[LobbyMessage]:
    rows = (
        LobbyMessage.objects.filter(simulation_id=simulation_id)
        .select_related("author")
        .order_by("-seq")[:limit]
    )
    return list(reversed(rows))


def lobby_pending_announcements(*, simulation_id: int) -> QuerySet[Announcement]:
    return Announcement.objects.filter(
        simulation_id=simulation_id, message__isnull=True, cancelled=False
    ).order_by("due_at")


def lobby_replay(*, user: User, simulation_id: int, after: int, limit: int) -> list[str]:
    """Fragments for messages after `after`, or the whole panel if too many were missed."""
    if not policy.can(user, "lobby.read", policy.SimulationRef(simulation_id)):
        return []
    rows = list(
        LobbyMessage.objects.filter(simulation_id=simulation_id, seq__gt=after)
        .select_related("author")
        .order_by("seq")[: limit + 1]
    )
    if len(rows) > limit:
        return [
            render_to_string(
                "lobby/partials/messages.html",
                {"messages_list": lobby_recent(simulation_id=simulation_id), "oob": True},
            )
        ]
    return [render_to_string("lobby/partials/push.html", {"message": row}) for row in rows]
