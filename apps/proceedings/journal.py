"""The one public way to append to a session's event log.

Proceedings, caucus (messages on the public floor), the rules editor and whatever comes
next append through `event_append`: numbered gap-free with the session's counter
(`apps.core.streams.next_seq`), its payload checked against its kind's schema
(`apps.proceedings.event_kinds`). Appending broadcasts nothing: the caller decides what to
push after commit (a floor change re-renders the floor; a floor message is pushed by its
channel).
"""

from __future__ import annotations

from apps.accounts.models import User
from apps.core.streams import next_seq
from apps.proceedings.event_kinds import Payload, payload_to_dict
from apps.proceedings.models import Event, Session


def event_append(
    *, session: Session, payload: Payload, actor: User | None, staff_only: bool = False
) -> Event:
    """Append the next event of `session`, of the kind of `payload`. Must run inside a
    transaction: the session row stays locked until it ends (the counter's lock), and a
    rollback takes the event and its number back. `session.last_event_seq` is updated on
    the instance too. Raises `PayloadError` for a payload that does not fit its schema."""
    data = payload_to_dict(payload)
    seq = next_seq(Session, session.pk, "last_event_seq")
    session.last_event_seq = seq
    return Event.objects.create(
        session=session,
        seq=seq,
        kind=payload.kind,
        payload=data,
        actor=actor,
        visibility=Event.Visibility.STAFF if staff_only else Event.Visibility.PUBLIC,
    )
