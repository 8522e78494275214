"""Gap-free numbering, written once (`apps.core.streams.next_seq`) and used by the session
event log, caucus channels and the lobby: under concurrent writers on the real database,
after a rollback, and for a lobby whose counter row does not exist yet."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction

from apps.accounts.models import User
from apps.core.streams import next_seq
from apps.delegations.models import Simulation
from apps.lobby import services as lobby_services
from apps.lobby.models import LobbyMessage, LobbyStream
from apps.proceedings.event_kinds import RulesChanged
from apps.proceedings.journal import event_append
from apps.proceedings.models import Event, Session
from tests.conftest import make_student
from tests.proceedings.helpers import build_floor, in_general_debate


def run_at_once(count: int, work: Callable[[int], None]) -> None:
    """`work(i)` in `count` threads released together; each thread's own connection."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            work(i)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_only_inside_a_transaction(simulation: Simulation) -> None:
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        next_seq(LobbyStream, simulation.pk, "last_seq")


@pytest.mark.django_db
def test_a_rolled_back_append_gives_its_number_back(
    simulation: Simulation, instructor: User
) -> None:
    session = in_general_debate(build_floor(simulation, instructor))
    before = Session.objects.get(pk=session.pk).last_event_seq

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        event = event_append(session=session, payload=RulesChanged(), actor=instructor)
        assert event.seq == session.last_event_seq == before + 1
        1 / 0  # noqa: B018 - the transaction fails after the append

    with transaction.atomic():
        event = event_append(session=session, payload=RulesChanged(), actor=instructor)
    assert event.seq == before + 1


@pytest.mark.django_db
def test_a_missing_counter_row_is_an_error_not_a_number() -> None:
    with pytest.raises(Session.DoesNotExist), transaction.atomic():
        next_seq(Session, 999_999, "last_event_seq")


@pytest.mark.django_db(transaction=True)
def test_appends_from_many_writers_at_once_are_numbered_without_gaps_or_twins(
    simulation: Simulation, instructor: User
) -> None:
    session = in_general_debate(build_floor(simulation, instructor))
    before = Session.objects.get(pk=session.pk).last_event_seq

    def append(_: int) -> None:
        with transaction.atomic():
            row = Session.objects.get(pk=session.pk)
            event_append(session=row, payload=RulesChanged(), actor=None)

    run_at_once(8, append)

    seqs = list(Event.objects.filter(session=session).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, before + 9))
    assert Session.objects.get(pk=session.pk).last_event_seq == before + 8


@pytest.mark.django_db(transaction=True)
def test_the_first_posts_to_a_lobby_made_at_once_are_numbered_one_to_n(
    simulation: Simulation,
) -> None:
    """The lobby's counter row is made by the first post; several first posts at once make
    it once and number their messages 1..n."""
    students = [make_student(simulation, f"Student {i}") for i in range(6)]
    assert not LobbyStream.objects.filter(simulation=simulation).exists()

    run_at_once(
        len(students),
        lambda i: lobby_services.message_post(
            simulation=simulation, by=students[i], body=f"hello from {i}"
        ),
    )

    seqs = LobbyMessage.objects.filter(simulation=simulation).values_list("seq", flat=True)
    assert sorted(seqs) == [1, 2, 3, 4, 5, 6]
    assert LobbyStream.objects.get(simulation=simulation).last_seq == 6


@pytest.mark.django_db
def test_the_lobby_migration_counts_on_from_the_messages_already_posted(
    simulation: Simulation, instructor: User
) -> None:
    for seq in (1, 2, 3):
        LobbyMessage.objects.create(simulation=simulation, seq=seq, author=instructor, body="old")
    migration = importlib.import_module("apps.lobby.migrations.0002_lobby_stream")

    migration.count_existing(django_apps, None)
    message = lobby_services.message_post(simulation=simulation, by=instructor, body="new")

    assert message.seq == 4
