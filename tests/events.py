"""A test helper in the spirit of Zulip's `verify_action`: the block appends exactly these
kinds of events to the session's log, numbered on from the last one, each payload valid
against its kind's schema and each rendering a sentence.

    with expect_events(session, [Kind.MOTION_MOVED]) as got:
        services.motion_move(...)
    assert got[0].payload["mover_name"] == "Veridia"
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from apps.proceedings.event_kinds import Kind, validate_payload
from apps.proceedings.models import Event, Session


def last_seq(session: Session) -> int:
    return int(Session.objects.values_list("last_event_seq", flat=True).get(pk=session.pk))


def check_event(event: Event) -> None:
    """The stored event is one of the vocabulary: a known kind, a payload that fits its
    schema, and a sentence (not empty, no unfilled {placeholder})."""
    validate_payload(event.kind, event.payload)
    text = event.text
    assert text.strip(), event
    assert "{" not in text or "{" in str(event.payload), text


@contextlib.contextmanager
def expect_events(session: Session, kinds: Sequence[Kind | str]) -> Iterator[list[Event]]:
    before = last_seq(session)
    got: list[Event] = []
    yield got
    got.extend(Event.objects.filter(session_id=session.pk, seq__gt=before).order_by("seq"))
    assert [e.kind for e in got] == [Kind(k).value for k in kinds], [
        (e.kind, e.payload) for e in got
    ]
    assert [e.seq for e in got] == list(range(before + 1, before + 1 + len(kinds)))
    assert last_seq(session) == before + len(kinds)
    for event in got:
        check_event(event)
