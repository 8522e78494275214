"""Every write to a session, through its service, on the real database (SQLite or PostgreSQL):
the happy path, the refusals, and the event log each change appends to."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from apps.accounts.models import User
from apps.delegations import services as delegation_services
from apps.delegations.models import Membership, Simulation
from apps.proceedings import services
from apps.proceedings.domain.presets import PRESET_KEYS
from apps.proceedings.domain.text import text_from_data
from apps.proceedings.models import Attendance, Event, Motion, PlacardVote, Session, SpeakerEntry
from tests.conftest import make_student
from tests.proceedings.helpers import (
    Floor,
    all_present,
    assert_log_is_gap_free,
    build_floor,
    fresh,
    give_role,
    in_general_debate,
    log,
    open_session,
    records,
    refused,
    seat,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(simulation: Simulation, instructor: User) -> Floor:
    return build_floor(simulation, instructor)


def caucus_params(**overrides: Any) -> dict[str, Any]:
    return {"duration_s": 600, "speaking_time_s": 60, "topic": "Dams upstream", **overrides}


def vote(floor: Floor, session: Session, motion: Motion, **choices: str) -> None:
    for name, choice in choices.items():
        services.motion_vote_cast(
            session=session, by=floor.delegate(name), motion_id=motion.pk, choice=choice
        )


def move_and_open_vote(floor: Floor, session: Session, kind: str, **params: Any) -> Motion:
    motion = services.motion_move(
        session=session, by=floor.delegate("Veridia"), kind=kind, params=params
    )
    return services.motion_entertain(session=session, by=floor.chair, motion_id=motion.pk)


# --- sessions -------------------------------------------------------------------------------------


def test_a_chair_creates_a_session_with_every_delegation_on_the_roll(floor: Floor) -> None:
    session = services.session_create(committee=floor.committee, by=floor.chair)

    assert session.number == 1 and session.phase == "not_started"
    assert [(e.seq, e.kind, e.text) for e in log(session)] == [
        (1, "session_created", "Session 1 created.")
    ]
    assert Attendance.objects.filter(session=session, status="absent").count() == 4


def test_opening_a_session_enters_the_presets_first_phase(floor: Floor) -> None:
    session = services.session_create(committee=floor.committee, by=floor.chair)

    with records(session, "session_opened") as new:
        session = services.session_open(session=session, by=floor.chair)

    assert session.phase == "roll_call" and session.phase_started_at is not None
    assert new[0].text == "The session is open: Roll call."
    assert new[0].actor == floor.chair


def test_a_session_opens_only_once(floor: Floor) -> None:
    session = open_session(floor)
    with refused(session, "The session is already open."):
        services.session_open(session=session, by=floor.chair)


def test_a_committee_sits_in_one_session_at_a_time(floor: Floor) -> None:
    open_session(floor)
    with pytest.raises(ValidationError, match="already has a session that is not adjourned"):
        services.session_create(committee=floor.committee, by=floor.chair)


def test_after_adjournment_the_next_session_gets_the_next_number(floor: Floor) -> None:
    session = open_session(floor)
    services.phase_advance(session=session, by=floor.chair, to="adjourned")

    second = services.session_create(committee=floor.committee, by=floor.chair)

    assert second.number == 2
    assert fresh(session).adjourned_at is not None


# --- roll call --------------------------------------------------------------------------------------


def test_the_chair_marks_a_delegation_present_and_the_log_says_so(floor: Floor) -> None:
    session = open_session(floor)
    veridia = floor.delegation("Veridia")

    with records(session, "attendance") as new:
        services.attendance_set(
            session=session, by=floor.chair, delegation_id=veridia.pk, status="present_and_voting"
        )

    assert new[0].text == "Veridia: present and voting."
    assert new[0].payload["status"] == "present_and_voting"
    assert Attendance.objects.get(session=session, delegation=veridia).status == (
        "present_and_voting"
    )


def test_an_unknown_attendance_status_is_refused(floor: Floor) -> None:
    session = open_session(floor)
    with refused(session, "Choose present, present and voting, or absent."):
        services.attendance_set(
            session=session,
            by=floor.chair,
            delegation_id=floor.delegation("Veridia").pk,
            status="asleep",
        )


def test_a_delegation_of_another_committee_is_not_on_this_roll(
    floor: Floor, simulation: Simulation, instructor: User
) -> None:
    other = build_floor(
        simulation, instructor, name="Security Council", delegations=(("X", "ngo"),)
    )
    session = open_session(floor)
    with refused(session, "That delegation is not a member of this committee."):
        services.attendance_set(
            session=session,
            by=floor.chair,
            delegation_id=other.delegation("X").pk,
            status="present",
        )


def test_without_a_quorum_a_motion_fails_and_with_one_it_passes(floor: Floor) -> None:
    session = open_session(floor)
    services.attendance_set(
        session=session,
        by=floor.chair,
        delegation_id=floor.delegation("Veridia").pk,
        status="present",
    )
    session = services.phase_advance(session=session, by=floor.chair, to="general_debate")
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    vote(floor, session, motion, Veridia="yes")

    with records(session, "motion_failed") as new:
        services.motion_vote_close(session=session, by=floor.chair, motion_id=motion.pk)

    # UNA-USA: a third of four members, rounded up, is two.
    assert "No quorum: 1 of 4 members present, 2 needed." in new[0].text
    assert fresh(session).phase == "general_debate"

    services.attendance_set(
        session=session,
        by=floor.chair,
        delegation_id=floor.delegation("Calvia").pk,
        status="present",
    )
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    vote(floor, session, motion, Veridia="yes")
    with records(session, "motion_passed") as new:
        services.motion_vote_close(session=session, by=floor.chair, motion_id=motion.pk)
    assert "passes (1 in favour, 0 against, 0 abstentions)" in new[0].text
    assert fresh(session).phase == "unmoderated_caucus"


def test_a_delegation_marked_absent_after_voting_is_not_counted(floor: Floor) -> None:
    session = in_general_debate(floor)
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    vote(floor, session, motion, Veridia="yes", Osterland="no", Calvia="no")
    services.attendance_set(
        session=session,
        by=floor.chair,
        delegation_id=floor.delegation("Calvia").pk,
        status="absent",
    )

    services.motion_vote_close(session=session, by=floor.chair, motion_id=motion.pk)

    motion.refresh_from_db()
    assert motion.status == "failed"
    assert str(text_from_data(motion.result["tally"])) == "1 in favour, 1 against, 0 abstentions"
    assert str(text_from_data(motion.result["reason"])) == (
        "1 in favour, 1 against, 0 abstentions:"
        " a simple majority needs more votes in favour than against."
    )


# --- phases -----------------------------------------------------------------------------------------


def test_the_chair_moves_the_floor_into_a_timed_caucus_with_a_deadline(floor: Floor) -> None:
    session = in_general_debate(floor)

    with records(session, "phase_changed") as new:
        session = services.phase_advance(
            session=session,
            by=floor.chair,
            to="moderated_caucus",
            duration_s=600,
            speaking_time_s=45,
            topic="  Dams upstream ",
        )

    assert new[0].text == "Moderated caucus, 10 minutes."
    row = fresh(session)
    assert row.phase == "moderated_caucus"
    assert row.machine.topic == "Dams upstream" and row.machine.caucus_speaking_time_s == 45
    assert row.phase_started_at is not None and row.deadline is not None
    assert row.deadline - row.phase_started_at == dt.timedelta(seconds=600)


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("moderated_caucus", "The session cannot move from roll call to moderated caucus."),
        ("not_started", "The session cannot move from roll call to not started."),
        ("recess", "Choose a phase."),
    ],
)
def test_an_illegal_phase_is_refused_with_a_clear_message(
    floor: Floor, to: str, message: str
) -> None:
    session = open_session(floor)
    with refused(session, message):
        services.phase_advance(session=session, by=floor.chair, to=to, duration_s=60)


def test_a_phase_the_preset_does_not_use_is_refused(
    simulation: Simulation, instructor: User
) -> None:
    thimun = build_floor(simulation, instructor, preset_key="thimun", name="GA Third")
    session = in_general_debate(thimun)
    with refused(session, "cannot move from general debate to moderated caucus"):
        services.phase_advance(
            session=session, by=thimun.chair, to="moderated_caucus", duration_s=300
        )


def test_a_caucus_needs_a_duration(floor: Floor) -> None:
    session = in_general_debate(floor)
    with refused(session, "Give a positive duration for the moderated caucus."):
        services.phase_advance(session=session, by=floor.chair, to="moderated_caucus")


def test_a_stale_screen_cannot_move_the_floor(floor: Floor) -> None:
    session = open_session(floor)
    seen = fresh(session).version
    services.attendance_set(
        session=session,
        by=floor.chair,
        delegation_id=floor.delegation("Veridia").pk,
        status="present",
    )
    with refused(session, "The floor changed since your screen was updated"):
        services.phase_advance(
            session=session, by=floor.chair, to="general_debate", expected_version=seen
        )


def test_the_chair_ends_a_caucus_early_and_debate_resumes(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.phase_advance(session=session, by=floor.chair, to="unmoderated_caucus", duration_s=300)

    with records(session, "phase_changed") as new:
        services.phase_end_now(session=session, by=floor.chair)

    assert new[0].text == "The chair ended the unmoderated caucus; general debate."
    row = fresh(session)
    assert row.phase == "general_debate" and row.deadline is None


def test_only_a_timed_phase_can_be_ended_early(floor: Floor) -> None:
    session = in_general_debate(floor)
    with refused(session, "Only a caucus or a suspension can be ended early."):
        services.phase_end_now(session=session, by=floor.chair)


def test_a_deadline_ends_its_phase_once_and_only_when_due(floor: Floor) -> None:
    session = in_general_debate(floor)
    session = services.phase_advance(
        session=session, by=floor.chair, to="unmoderated_caucus", duration_s=300
    )
    row = fresh(session)
    assert row.deadline is not None
    entry = row.machine.entry

    assert not services.phase_end_if_due(session_id=session.pk, entry=entry)  # not yet due
    assert not services.phase_end_if_due(
        session_id=session.pk, entry=entry - 1, now=row.deadline
    )  # a stale timer
    with records(session, "phase_ended") as new:
        assert services.phase_end_if_due(session_id=session.pk, entry=entry, now=row.deadline)
    assert not services.phase_end_if_due(session_id=session.pk, entry=entry, now=row.deadline)
    assert not services.deadlines_sweep(now=row.deadline + dt.timedelta(seconds=5))

    assert new[0].text == "Time is up: unmoderated caucus ended; general debate."
    assert new[0].actor is None
    assert new[0].payload["ended"] == "unmoderated_caucus"
    assert new[0].payload["deadline"] == row.deadline.isoformat()
    assert fresh(session).phase == "general_debate"


def test_a_suspension_resumes_the_phase_it_suspended(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.phase_advance(session=session, by=floor.chair, to="suspended", duration_s=120)
    deadline = fresh(session).deadline
    assert deadline is not None

    assert services.deadlines_sweep(now=deadline) == 1

    assert fresh(session).phase == "general_debate"
    assert log(session)[-1].text == "Time is up: suspended ended; general debate."


def test_the_sweep_ends_an_overdue_phase_and_an_overdue_speech(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.speaker_add(session=session, by=floor.delegate("Veridia"))
    services.speaker_next(session=session, by=floor.chair)
    later = timezone.now() + dt.timedelta(hours=1)

    with records(session, "speech_ended") as new:
        assert services.deadlines_sweep(now=later) == 1

    assert new[0].text == "Time: Veridia's speaking time is over."
    assert fresh(session).speaker is None


# --- speakers list ------------------------------------------------------------------------------


def test_a_delegate_adds_their_own_delegation_to_the_speakers_list(floor: Floor) -> None:
    session = in_general_debate(floor)

    with records(session, "speaker_added") as new:
        # Naming another delegation does not let a delegate add it: their own goes on.
        entry = services.speaker_add(
            session=session,
            by=floor.delegate("Veridia"),
            delegation_id=floor.delegation("Calvia").pk,
        )

    assert entry.delegation == floor.delegation("Veridia")
    assert new[0].text == "Veridia joins the speakers list."


def test_a_delegation_is_on_the_list_only_once(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.speaker_add(session=session, by=floor.delegate("Veridia"))
    with refused(session, "Your delegation is already on the speakers list."):
        services.speaker_add(session=session, by=floor.delegate("Veridia"))


def test_the_chair_adds_any_delegation(floor: Floor) -> None:
    session = in_general_debate(floor)
    with records(session, "speaker_added", "speaker_added"):
        services.speaker_add(
            session=session, by=floor.chair, delegation_id=floor.delegation("Calvia").pk
        )
        services.speaker_add(
            session=session, by=floor.chair, delegation_id=floor.delegation("Norbek").pk
        )
    assert [e.delegation.name for e in SpeakerEntry.objects.filter(session=session)] == [
        "Calvia",
        "Norbek",
    ]


def test_there_is_no_speakers_list_during_roll_call_or_before_the_session_opens(
    floor: Floor,
) -> None:
    session = services.session_create(committee=floor.committee, by=floor.chair)
    with refused(session, "The session is not open."):
        services.speaker_add(session=session, by=floor.delegate("Veridia"))
    session = services.session_open(session=session, by=floor.chair)
    with refused(session, "There is no speakers list in this phase."):
        services.speaker_add(session=session, by=floor.delegate("Veridia"))


def test_the_chair_reorders_the_speakers_list(floor: Floor) -> None:
    session = in_general_debate(floor)
    for name in ("Veridia", "Osterland", "Calvia"):
        services.speaker_add(session=session, by=floor.delegate(name))
    calvia = SpeakerEntry.objects.get(session=session, delegation=floor.delegation("Calvia"))

    with records(session, "speakers_reordered") as new:
        services.speakers_reorder(
            session=session, by=floor.chair, entry_id=calvia.pk, direction="up"
        )

    assert new[0].text == "The chair reordered the speakers list."
    order = SpeakerEntry.objects.filter(session=session).order_by("position")
    assert [e.delegation.name for e in order] == ["Veridia", "Calvia", "Osterland"]
    assert [e.position for e in order] == [1, 2, 3]

    first = order[0]
    with records(session):  # the first cannot move further up: nothing happens
        services.speakers_reorder(
            session=session, by=floor.chair, entry_id=first.pk, direction="up"
        )


def test_the_chair_removes_an_entry_and_a_delegate_withdraws_their_own(floor: Floor) -> None:
    session = in_general_debate(floor)
    veridia = services.speaker_add(session=session, by=floor.delegate("Veridia"))
    calvia = services.speaker_add(session=session, by=floor.delegate("Calvia"))

    with pytest.raises(PermissionDenied):
        services.speaker_remove(session=session, by=floor.delegate("Calvia"), entry_id=veridia.pk)
    with records(session, "speaker_removed", "speaker_removed") as new:
        services.speaker_remove(session=session, by=floor.chair, entry_id=veridia.pk)
        services.speaker_remove(session=session, by=floor.delegate("Calvia"), entry_id=calvia.pk)
    with refused(session, "That entry is no longer on the list."):
        services.speaker_remove(session=session, by=floor.chair, entry_id=calvia.pk)

    assert [e.text for e in new] == [
        "Veridia leaves the speakers list.",
        "Calvia leaves the speakers list.",
    ]
    assert not SpeakerEntry.objects.filter(session=session).exists()


def test_next_speaker_on_a_double_submit_moves_the_list_once(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.speaker_add(session=session, by=floor.delegate("Veridia"))
    services.speaker_add(session=session, by=floor.delegate("Osterland"))
    seen = fresh(session).version

    with records(session, "speech_started") as new:
        services.speaker_next(session=session, by=floor.chair, expected_version=seen)
    with refused(session, "The floor changed since your screen was updated"):
        services.speaker_next(session=session, by=floor.chair, expected_version=seen)

    row = fresh(session)
    assert new[0].text == "Veridia has the floor (1 minute 30 seconds)." or new[0].text == (
        "Veridia has the floor (90 s)."
    )
    assert row.speaker == floor.delegation("Veridia")
    assert row.speech_deadline is not None and row.speech_started_at is not None
    assert row.speech_deadline - row.speech_started_at == dt.timedelta(seconds=90)
    assert [e.delegation.name for e in SpeakerEntry.objects.filter(session=session)] == [
        "Osterland"
    ]


def test_next_speaker_on_an_empty_list_is_refused(floor: Floor) -> None:
    session = in_general_debate(floor)
    with refused(session, "The speakers list is empty."):
        services.speaker_next(session=session, by=floor.chair)


def test_the_chair_extends_and_ends_a_speech(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.speaker_add(session=session, by=floor.delegate("Veridia"))
    services.speaker_next(session=session, by=floor.chair)
    before = fresh(session).speech_deadline
    assert before is not None

    with refused(session, "Extend by 5 seconds to 10 minutes."):
        services.speaker_extend(session=session, by=floor.chair, seconds=601)
    with records(session, "speech_extended", "speech_ended") as new:
        services.speaker_extend(session=session, by=floor.chair, seconds=30)
        assert fresh(session).speech_deadline == before + dt.timedelta(seconds=30)
        services.speaker_end(session=session, by=floor.chair)

    assert [e.text for e in new] == [
        "Veridia gets 30 more seconds.",
        "The chair ends Veridia's speech.",
    ]
    row = fresh(session)
    assert row.speaker is None and row.speech_deadline is None
    with refused(session, "Nobody has the floor."):
        services.speaker_end(session=session, by=floor.chair)
    with refused(session, "Nobody has the floor."):
        services.speaker_extend(session=session, by=floor.chair, seconds=30)


def speaking(floor: Floor, name: str) -> Session:
    session = in_general_debate(floor)
    services.speaker_add(session=session, by=floor.delegate(name))
    return services.speaker_next(session=session, by=floor.chair)


def test_a_speaker_yields_to_another_delegation_who_cannot_yield_again(floor: Floor) -> None:
    session = speaking(floor, "Veridia")

    with records(session, "speech_yielded") as new:
        services.speaker_yield(
            session=session,
            by=floor.delegate("Veridia"),
            kind="delegation",
            to_delegation_id=floor.delegation("Calvia").pk,
        )

    row = fresh(session)
    assert row.speaker == floor.delegation("Calvia") and row.speech_yielded
    assert new[0].text.startswith("Veridia yields ") and new[0].text.endswith(" s to Calvia.")
    with refused(session, "Time that was yielded to you may not be yielded again."):
        services.speaker_yield(
            session=session,
            by=floor.delegate("Calvia"),
            kind="delegation",
            to_delegation_id=floor.delegation("Norbek").pk,
        )


def test_a_speaker_yields_to_questions_and_keeps_the_floor(floor: Floor) -> None:
    session = speaking(floor, "Veridia")
    with records(session, "speech_yielded") as new:
        services.speaker_yield(session=session, by=floor.delegate("Veridia"), kind="questions")
    assert new[0].text.startswith("Veridia yields ") and new[0].text.endswith(" s to questions.")
    assert fresh(session).speaker == floor.delegation("Veridia")


def test_a_speaker_yields_to_the_chair_and_the_speech_ends(floor: Floor) -> None:
    session = speaking(floor, "Veridia")
    with records(session, "speech_yielded") as new:
        services.speaker_yield(session=session, by=floor.delegate("Veridia"), kind="chair")
    assert new[0].text == "Veridia yields to the chair."
    assert fresh(session).speaker is None


def test_only_the_speaker_may_yield_and_only_in_a_known_way(floor: Floor) -> None:
    session = speaking(floor, "Veridia")
    with refused(session, "Only the delegation that has the floor can yield it."):
        services.speaker_yield(session=session, by=floor.delegate("Calvia"), kind="chair")
    with refused(session, "Yield to a delegation, to questions or to the chair."):
        services.speaker_yield(session=session, by=floor.delegate("Veridia"), kind="everyone")
    with refused(session, "A delegation cannot yield to itself."):
        services.speaker_yield(
            session=session,
            by=floor.delegate("Veridia"),
            kind="delegation",
            to_delegation_id=floor.delegation("Veridia").pk,
        )


def test_a_committee_that_allows_only_yields_to_the_chair_refuses_others(
    simulation: Simulation, instructor: User
) -> None:
    council = build_floor(simulation, instructor, preset_key="security_council", name="UNSC")
    session = speaking(council, "Veridia")
    with refused(session, "Yields to questions are not allowed in this committee."):
        services.speaker_yield(session=session, by=council.delegate("Veridia"), kind="questions")


# --- motions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (caucus_params(duration_s=1500), "A moderated caucus may last at most 20 minutes."),
        (caucus_params(duration_s=30), "A moderated caucus must last at least 1 minute."),
        (
            caucus_params(speaking_time_s=150),
            "Speaking time in a moderated caucus may be at most 2 minutes.",
        ),
        (caucus_params(topic=""), "needs a topic"),
        (caucus_params(duration_s="ten"), "Duration must be a number of seconds."),
    ],
)
def test_a_motion_with_invalid_parameters_is_refused_with_the_rules_message(
    floor: Floor, params: dict[str, Any], message: str
) -> None:
    session = in_general_debate(floor)
    with refused(session, message):
        services.motion_move(
            session=session, by=floor.delegate("Veridia"), kind="moderated_caucus", params=params
        )
    assert not Motion.objects.exists()


def test_a_motion_out_of_order_in_this_phase_is_refused(floor: Floor) -> None:
    session = open_session(floor)
    with refused(session, "A motion for a moderated caucus is not in order during roll call."):
        services.motion_move(
            session=session,
            by=floor.delegate("Veridia"),
            kind="moderated_caucus",
            params=caucus_params(),
        )
    with refused(session, "Choose a motion."):
        services.motion_move(session=session, by=floor.delegate("Veridia"), kind="coup")


def test_a_passed_caucus_motion_changes_the_phase_and_sets_the_deadline(floor: Floor) -> None:
    session = in_general_debate(floor)

    with records(session, "motion_moved", "vote_opened") as new:
        motion = move_and_open_vote(floor, session, "moderated_caucus", **caucus_params())
    vote(floor, session, motion, Veridia="yes", Osterland="yes", Calvia="abstain", Norbek="no")
    with records(session, "motion_passed") as closing:
        services.motion_vote_close(session=session, by=floor.chair, motion_id=motion.pk)
    new += closing

    words = "a motion for a moderated caucus of 10 minutes (60 s per speaker) on “Dams upstream”"
    assert [e.text for e in new] == [
        f"Veridia moves {words}.",
        f"Vote on {words}: raise your placards.",
        "A" + words[1:] + " passes (2 in favour, 1 against, 1 abstention).",
    ]
    motion.refresh_from_db()
    assert motion.status == "passed" and motion.decided_at is not None
    row = fresh(session)
    assert row.phase == "moderated_caucus"
    assert row.machine.topic == "Dams upstream" and row.machine.caucus_speaking_time_s == 60
    assert row.deadline is not None and row.phase_started_at is not None
    assert row.deadline - row.phase_started_at == dt.timedelta(seconds=600)


def test_a_failed_vote_leaves_the_floor_where_it_was(floor: Floor) -> None:
    session = in_general_debate(floor)
    motion = move_and_open_vote(floor, session, "moderated_caucus", **caucus_params())
    vote(floor, session, motion, Veridia="yes", Osterland="no", Calvia="no")

    with records(session, "motion_failed") as new:
        services.motion_vote_close(session=session, by=floor.chair, motion_id=motion.pk)

    assert "fails (1 in favour, 2 against, 0 abstentions)." in new[0].text
    row = fresh(session)
    assert row.phase == "general_debate" and row.deadline is None
    motion.refresh_from_db()
    assert motion.status == "failed"


def test_the_chair_may_record_the_count_of_placards_in_the_room(floor: Floor) -> None:
    session = in_general_debate(floor)
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    with refused(session, "More placards counted than the 4 voting members."):
        services.motion_vote_close(
            session=session, by=floor.chair, motion_id=motion.pk, counts={"yes": 5}
        )
    services.motion_vote_close(
        session=session, by=floor.chair, motion_id=motion.pk, counts={"yes": 3, "no": 1}
    )
    assert fresh(session).phase == "unmoderated_caucus"


def test_a_chair_decided_motion_takes_effect_without_a_vote(
    simulation: Simulation, instructor: User
) -> None:
    cop = build_floor(simulation, instructor, preset_key="climate_consensus", name="COP")
    session = in_general_debate(cop)
    motion = services.motion_move(
        session=session,
        by=cop.delegate("Veridia"),
        kind="unmoderated_caucus",
        params={"duration_s": 1800},
    )

    with records(session, "motion_passed") as new:
        services.motion_entertain(session=session, by=cop.chair, motion_id=motion.pk)

    assert new[0].text == "The chair grants a motion for an unmoderated caucus of 30 minutes."
    assert fresh(session).phase == "unmoderated_caucus"


def test_a_point_of_order_is_granted_and_leaves_the_phase(floor: Floor) -> None:
    session = in_general_debate(floor)
    point = services.motion_move(
        session=session, by=floor.delegate("Calvia"), kind="point_of_order"
    )
    with records(session, "motion_passed") as new:
        services.motion_entertain(session=session, by=floor.chair, motion_id=point.pk)
    assert new[0].text == "The chair grants point of order."
    assert fresh(session).phase == "general_debate"


def test_the_chair_rules_a_motion_out_of_order(floor: Floor) -> None:
    session = in_general_debate(floor)
    motion = services.motion_move(
        session=session,
        by=floor.delegate("Veridia"),
        kind="unmoderated_caucus",
        params={"duration_s": 300},
    )
    with records(session, "motion_out_of_order") as new:
        services.motion_rule_out_of_order(session=session, by=floor.chair, motion_id=motion.pk)
    assert new[0].text == (
        "The chair rules a motion for an unmoderated caucus of 5 minutes out of order."
    )
    with refused(session, "That motion is no longer on the floor."):
        services.motion_entertain(session=session, by=floor.chair, motion_id=motion.pk)


def test_the_mover_withdraws_a_pending_motion_but_nobody_else_can(floor: Floor) -> None:
    session = in_general_debate(floor)
    motion = services.motion_move(
        session=session,
        by=floor.delegate("Veridia"),
        kind="unmoderated_caucus",
        params={"duration_s": 300},
    )
    with pytest.raises(PermissionDenied):
        services.motion_withdraw(session=session, by=floor.delegate("Calvia"), motion_id=motion.pk)

    with records(session, "motion_withdrawn") as new:
        services.motion_withdraw(session=session, by=floor.delegate("Veridia"), motion_id=motion.pk)

    assert new[0].text == "A motion for an unmoderated caucus of 5 minutes is withdrawn."
    motion.refresh_from_db()
    assert motion.status == "withdrawn"


def test_once_the_vote_is_open_only_the_chair_can_withdraw_a_motion(floor: Floor) -> None:
    session = in_general_debate(floor)
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    with pytest.raises(PermissionDenied):
        services.motion_withdraw(session=session, by=floor.delegate("Veridia"), motion_id=motion.pk)
    services.motion_withdraw(session=session, by=floor.chair, motion_id=motion.pk)
    motion.refresh_from_db()
    assert motion.status == "withdrawn"


def test_one_vote_at_a_time(floor: Floor) -> None:
    session = in_general_debate(floor)
    first = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    second = services.motion_move(
        session=session,
        by=floor.delegate("Calvia"),
        kind="unmoderated_caucus",
        params={"duration_s": 600},
    )
    with refused(session, "Close the vote in progress first."):
        services.motion_entertain(session=session, by=floor.chair, motion_id=second.pk)
    with refused(session, "This motion is already being voted on."):
        services.motion_entertain(session=session, by=floor.chair, motion_id=first.pk)


def test_pending_motions_lapse_when_the_chair_moves_the_floor(floor: Floor) -> None:
    session = in_general_debate(floor)
    pending = services.motion_move(
        session=session,
        by=floor.delegate("Veridia"),
        kind="unmoderated_caucus",
        params={"duration_s": 300},
    )
    voting = move_and_open_vote(floor, session, "moderated_caucus", **caucus_params())

    services.phase_advance(session=session, by=floor.chair, to="drafting")

    assert set(Motion.objects.values_list("pk", "status")) == {
        (pending.pk, "lapsed"),
        (voting.pk, "lapsed"),
    }
    with refused(session, "This vote is closed."):
        services.motion_vote_cast(
            session=session, by=floor.delegate("Osterland"), motion_id=voting.pk, choice="yes"
        )


def test_other_motions_lapse_when_a_passed_motion_moves_the_floor(floor: Floor) -> None:
    session = in_general_debate(floor)
    other = services.motion_move(
        session=session,
        by=floor.delegate("Calvia"),
        kind="unmoderated_caucus",
        params={"duration_s": 300},
    )
    motion = move_and_open_vote(floor, session, "moderated_caucus", **caucus_params())
    vote(floor, session, motion, Veridia="yes", Osterland="yes")
    services.motion_vote_close(session=session, by=floor.chair, motion_id=motion.pk)

    other.refresh_from_db()
    motion.refresh_from_db()
    assert (motion.status, other.status) == ("passed", "lapsed")


def test_pending_motions_lapse_when_a_caucus_runs_out(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.phase_advance(session=session, by=floor.chair, to="unmoderated_caucus", duration_s=300)
    extension = services.motion_move(
        session=session,
        by=floor.delegate("Veridia"),
        kind="extend_caucus",
        params={"duration_s": 120},
    )
    services.motion_entertain(session=session, by=floor.chair, motion_id=extension.pk)
    deadline = fresh(session).deadline
    assert deadline is not None

    services.deadlines_sweep(now=deadline)

    extension.refresh_from_db()
    assert extension.status == "lapsed"
    # Nothing is left half-voted: the chair can put the next motion to the committee.
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    assert motion.status == "voting"


def test_an_abstention_is_refused_where_the_rules_forbid_it(
    simulation: Simulation, instructor: User
) -> None:
    strict = build_floor(
        simulation,
        instructor,
        name="Strict GA",
        rules_overrides={"voting": {"abstentions_allowed": False}},
    )
    session = in_general_debate(strict)
    motion = move_and_open_vote(strict, session, "unmoderated_caucus", duration_s=300)
    with pytest.raises(ValidationError, match="Abstentions are not allowed in this committee."):
        services.motion_vote_cast(
            session=session, by=strict.delegate("Calvia"), motion_id=motion.pk, choice="abstain"
        )
    assert not PlacardVote.objects.exists()


def test_an_absent_delegation_cannot_vote(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.attendance_set(
        session=session,
        by=floor.chair,
        delegation_id=floor.delegation("Norbek").pk,
        status="absent",
    )
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    with pytest.raises(ValidationError, match="Your delegation is marked absent"):
        services.motion_vote_cast(
            session=session, by=floor.delegate("Norbek"), motion_id=motion.pk, choice="yes"
        )
    with pytest.raises(ValidationError, match="Vote yes, no or abstain."):
        services.motion_vote_cast(
            session=session, by=floor.delegate("Calvia"), motion_id=motion.pk, choice="maybe"
        )
    assert not PlacardVote.objects.exists()


def test_a_delegation_changes_its_placard_and_keeps_one(floor: Floor) -> None:
    session = in_general_debate(floor)
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    before = fresh(session)
    vote(floor, session, motion, Calvia="yes")
    vote(floor, session, motion, Calvia="no")
    after = fresh(session)
    assert list(PlacardVote.objects.values_list("choice", flat=True)) == ["no"]
    # Each placard is an event for the chair (not shown in the public journal), so every
    # pushed floor carries a new number.
    assert after.version == before.version + 2
    assert after.last_event_seq == before.last_event_seq + 2
    placards = Event.objects.filter(session=session, kind="placard").order_by("seq")
    assert [e.visibility for e in placards] == ["staff", "staff"]
    assert placards.last().text == "Calvia: no."


def test_an_observer_cannot_vote_on_procedure(simulation: Simulation, instructor: User) -> None:
    floor = build_floor(
        simulation,
        instructor,
        delegations=(("Veridia", "member_state"), ("Green Rivers", "ngo")),
    )
    session = in_general_debate(floor)
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    with pytest.raises(PermissionDenied):
        services.motion_vote_cast(
            session=session, by=floor.delegate("Green Rivers"), motion_id=motion.pk, choice="no"
        )


@pytest.mark.django_db(transaction=True)
def test_two_delegates_of_one_delegation_casting_at_once_leave_one_placard(
    simulation: Simulation, instructor: User
) -> None:
    floor = build_floor(simulation, instructor)
    second = seat(simulation, floor.delegation("Calvia"), "Second delegate of Calvia")
    session = in_general_debate(floor)
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def cast(user: User, choice: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.motion_vote_cast(session=session, by=user, motion_id=motion.pk, choice=choice)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=cast, args=(floor.delegate("Calvia"), "yes")),
        threading.Thread(target=cast, args=(second, "no")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    votes = list(PlacardVote.objects.filter(motion=motion))
    assert len(votes) == 1 and votes[0].delegation == floor.delegation("Calvia")


# --- mediation ------------------------------------------------------------------------------------


def test_the_instructor_sets_the_mediation_mode_and_the_log_says_so(floor: Floor) -> None:
    session = open_session(floor)
    with records(session, "mediation_changed") as new:
        services.mediation_set(
            session=session, by=floor.instructor, mode="procedural", proximity=True
        )
    assert new[0].text == "Mediation is now procedural with proximity talks."
    row = fresh(session)
    assert (row.mediation_mode, row.proximity) == ("procedural", True)
    with refused(session, "Choose facilitative, procedural or directive mediation."):
        services.mediation_set(
            session=session, by=floor.instructor, mode="coercive", proximity=False
        )


def test_a_chair_or_mediator_cannot_widen_the_mediators_powers(floor: Floor) -> None:
    session = open_session(floor)
    with pytest.raises(PermissionDenied):
        services.mediation_set(session=session, by=floor.chair, mode="directive", proximity=False)
    assert fresh(session).mediation_mode == session.mediation_mode


@pytest.fixture
def talks(instructor: User) -> Floor:
    """The shipped peace-talks scenario, with a mediator and two parties seated."""
    simulation = delegation_services.simulation_from_scenario(owner=instructor, slug="peace-talks")
    committee = simulation.committees.get()
    mediator = give_role(
        simulation,
        instructor,
        make_student(simulation, "Envoy"),
        Membership.Role.MEDIATOR,
        committee,
    )
    floor = Floor(simulation, committee, instructor, mediator)
    for delegation in committee.delegations.all():
        floor.delegations[delegation.name] = delegation
    for name in ("Government of the Republic of Kaldera", "Northern Lakes Front"):
        floor.delegates[name] = seat(simulation, floor.delegations[name], f"Party {name}")
    return floor


GOVERNMENT = "Government of the Republic of Kaldera"
FRONT = "Northern Lakes Front"


def test_the_peace_talks_open_in_directive_mode_with_proximity(talks: Floor) -> None:
    session = open_session(talks)
    row = fresh(session)
    assert (row.phase, row.mediation_mode, row.proximity) == ("agenda_setting", "directive", True)


def test_a_facilitative_mediator_cannot_take_the_floor_back_to_agenda_setting(
    talks: Floor,
) -> None:
    session = open_session(talks)
    services.phase_advance(session=session, by=talks.chair, to="general_debate")
    services.mediation_set(
        session=session, by=talks.instructor, mode="facilitative", proximity=True
    )

    with refused(session, "In facilitative mediation the mediator may not set agenda"):
        services.phase_advance(session=session, by=talks.chair, to="agenda_setting")

    # The instructor is not bound by the mediator's mode.
    services.phase_advance(session=session, by=talks.instructor, to="agenda_setting")
    assert fresh(session).phase == "agenda_setting"


@pytest.mark.parametrize("mode", ["procedural", "directive"])
def test_a_procedural_or_directive_mediator_sets_the_agenda(talks: Floor, mode: str) -> None:
    session = open_session(talks)
    services.phase_advance(session=session, by=talks.chair, to="general_debate")
    services.mediation_set(session=session, by=talks.instructor, mode=mode, proximity=True)

    with records(session, "phase_changed"):
        services.phase_advance(session=session, by=talks.chair, to="agenda_setting")


def test_the_mediators_mode_is_read_under_the_lock_not_from_a_stale_object(
    talks: Floor,
) -> None:
    session = open_session(talks)
    services.phase_advance(session=session, by=talks.chair, to="general_debate")
    stale = fresh(session)  # directive, as the mediator's screen shows it
    services.mediation_set(
        session=session, by=talks.instructor, mode="facilitative", proximity=True
    )

    with refused(session, "In facilitative mediation the mediator may not set agenda"):
        services.phase_advance(session=stale, by=talks.chair, to="agenda_setting")


@pytest.mark.parametrize("mode", ["facilitative", "procedural", "directive"])
def test_a_round_of_peace_talks_under_each_mediation_mode(talks: Floor, mode: str) -> None:
    session = open_session(talks)
    services.mediation_set(session=session, by=talks.instructor, mode=mode, proximity=True)
    for name in talks.delegations:
        services.attendance_set(
            session=session,
            by=talks.chair,
            delegation_id=talks.delegation(name).pk,
            status="present",
        )
    # A party asks to set the agenda: the mediator decides, if the mode lets it.
    agenda = services.motion_move(
        session=session,
        by=talks.delegate(FRONT),
        kind="set_agenda",
        params={"topic": "Basket 1: Cessation of hostilities"},
    )
    if mode == "facilitative":
        with refused(session, "the parties decide it"):
            services.motion_entertain(session=session, by=talks.chair, motion_id=agenda.pk)
        # The parties agree among themselves; the instructor records it.
        services.motion_entertain(session=session, by=talks.instructor, motion_id=agenda.pk)
    else:
        services.motion_entertain(session=session, by=talks.chair, motion_id=agenda.pk)
    row = fresh(session)
    assert row.phase == "general_debate"
    assert row.machine.agenda_item == "Basket 1: Cessation of hostilities"

    # The parties take the floor in turn.
    services.speaker_add(session=session, by=talks.delegate(GOVERNMENT))
    services.speaker_add(session=session, by=talks.delegate(FRONT))
    services.speaker_next(session=session, by=talks.chair)
    services.speaker_yield(session=session, by=talks.delegate(GOVERNMENT), kind="chair")

    # Any party may ask for consultations; the mediator grants them (no vote in peace talks).
    consult = services.motion_move(
        session=session,
        by=talks.delegate(GOVERNMENT),
        kind="unmoderated_caucus",
        params={"duration_s": 900},
    )
    services.motion_entertain(session=session, by=talks.chair, motion_id=consult.pk)
    assert fresh(session).phase == "unmoderated_caucus"
    services.phase_end_now(session=session, by=talks.chair)
    services.phase_advance(session=session, by=talks.chair, to="drafting")
    services.phase_advance(session=session, by=talks.chair, to="voting_procedure")
    services.phase_advance(session=session, by=talks.chair, to="adjourned")

    row = fresh(session)
    assert row.phase == "adjourned" and row.adjourned_at is not None
    assert row.mediation_mode == mode
    assert_log_is_gap_free(session)


# --- permissions --------------------------------------------------------------------------------

CHAIR_CALLS = {
    "open": lambda s, u, f: services.session_open(session=s, by=u),
    "advance": lambda s, u, f: services.phase_advance(session=s, by=u, to="general_debate"),
    "end early": lambda s, u, f: services.phase_end_now(session=s, by=u),
    "roll call": lambda s, u, f: services.attendance_set(
        session=s, by=u, delegation_id=f.delegation("Veridia").pk, status="absent"
    ),
    "next speaker": lambda s, u, f: services.speaker_next(session=s, by=u),
    "extend": lambda s, u, f: services.speaker_extend(session=s, by=u, seconds=30),
    "end speech": lambda s, u, f: services.speaker_end(session=s, by=u),
    "reorder": lambda s, u, f: services.speakers_reorder(
        session=s, by=u, entry_id=0, direction="up"
    ),
    "entertain": lambda s, u, f: services.motion_entertain(session=s, by=u, motion_id=0),
    "out of order": lambda s, u, f: services.motion_rule_out_of_order(session=s, by=u, motion_id=0),
    "close vote": lambda s, u, f: services.motion_vote_close(session=s, by=u, motion_id=0),
    "mediation": lambda s, u, f: services.mediation_set(
        session=s, by=u, mode="directive", proximity=False
    ),
}


@pytest.mark.parametrize("call", list(CHAIR_CALLS), ids=list(CHAIR_CALLS))
def test_a_delegate_cannot_use_the_chairs_powers(floor: Floor, call: str) -> None:
    session = in_general_debate(floor)
    before = fresh(session)
    with pytest.raises(PermissionDenied):
        CHAIR_CALLS[call](session, floor.delegate("Veridia"), floor)
    after = fresh(session)
    assert (after.last_event_seq, after.version) == (before.last_event_seq, before.version)


def test_a_delegate_cannot_create_a_session(floor: Floor) -> None:
    with pytest.raises(PermissionDenied):
        services.session_create(committee=floor.committee, by=floor.delegate("Veridia"))


def test_the_chair_of_another_committee_cannot_run_this_one(
    floor: Floor, simulation: Simulation, instructor: User
) -> None:
    other = build_floor(simulation, instructor, name="Security Council", delegations=())
    session = in_general_debate(floor)
    with pytest.raises(PermissionDenied):
        services.phase_advance(session=session, by=other.chair, to="drafting")


def test_a_delegate_of_another_committee_cannot_speak_move_or_vote_here(
    floor: Floor, simulation: Simulation, instructor: User
) -> None:
    other = build_floor(
        simulation,
        instructor,
        name="Security Council",
        delegations=(("Ruritania", "member_state"),),
    )
    stranger = other.delegate("Ruritania")
    session = in_general_debate(floor)
    motion = move_and_open_vote(floor, session, "unmoderated_caucus", duration_s=300)
    before = fresh(session)

    with pytest.raises(PermissionDenied):
        services.speaker_add(session=session, by=stranger)
    with pytest.raises(PermissionDenied):
        services.motion_move(
            session=session, by=stranger, kind="unmoderated_caucus", params={"duration_s": 300}
        )
    with pytest.raises(PermissionDenied):
        services.motion_vote_cast(session=session, by=stranger, motion_id=motion.pk, choice="no")

    after = fresh(session)
    assert (after.version, after.last_event_seq) == (before.version, before.last_event_seq)


def test_an_outsider_cannot_take_the_floor(floor: Floor, outsider: User) -> None:
    session = in_general_debate(floor)
    with pytest.raises(PermissionDenied):
        services.speaker_add(session=session, by=outsider)
    with pytest.raises(PermissionDenied):
        services.phase_advance(session=session, by=outsider, to="drafting")


# --- a whole sitting under every shipped preset ---------------------------------------------------

# What a chair walks through in one sitting: the phases each preset allows, with the caucus
# or informal consultations where it has them (THIMUN has none: lobbying happens in drafting).
SITTINGS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "una_usa": [
        ("agenda_setting", {}),
        ("general_debate", {}),
        ("moderated_caucus", {"duration_s": 600, "speaking_time_s": 45, "topic": "Dams"}),
        ("unmoderated_caucus", {"duration_s": 900}),
        ("general_debate", {}),
        ("voting_procedure", {}),
        ("adjourned", {}),
    ],
    "thimun": [
        ("drafting", {}),
        ("general_debate", {}),
        ("amendments", {}),
        ("voting_procedure", {}),
        ("adjourned", {}),
    ],
    "security_council": [
        ("agenda_setting", {}),
        ("general_debate", {}),
        ("unmoderated_caucus", {"duration_s": 1200}),
        ("general_debate", {}),
        ("voting_procedure", {}),
        ("adjourned", {}),
    ],
    "climate_consensus": [
        ("agenda_setting", {}),
        ("general_debate", {}),
        ("unmoderated_caucus", {"duration_s": 1800}),
        ("drafting", {}),
        ("voting_procedure", {}),
        ("adjourned", {}),
    ],
    "peace_talks": [
        ("general_debate", {}),
        ("unmoderated_caucus", {"duration_s": 1800}),
        ("general_debate", {}),
        ("drafting", {}),
        ("voting_procedure", {}),
        ("adjourned", {}),
    ],
}


def test_every_shipped_preset_has_a_sitting_here() -> None:
    assert set(SITTINGS) == set(PRESET_KEYS)


@pytest.mark.parametrize("preset_key", PRESET_KEYS)
def test_a_chair_runs_a_whole_sitting_under_each_preset(
    simulation: Simulation, instructor: User, preset_key: str
) -> None:
    floor = build_floor(simulation, instructor, preset_key=preset_key, name=preset_key)
    session = open_session(floor)
    if session.phase == "roll_call":
        all_present(floor, session)

    for phase, options in SITTINGS[preset_key]:
        with records(session, "phase_changed") as new:
            session = services.phase_advance(session=session, by=floor.chair, to=phase, **options)
        assert fresh(session).phase == phase
        if phase == "general_debate":
            services.speaker_add(session=session, by=floor.delegate("Veridia"))
            services.speaker_next(session=session, by=floor.chair)
            services.speaker_end(session=session, by=floor.chair)
        if fresh(session).deadline is not None:
            assert "minutes" in new[0].text

    row = fresh(session)
    assert row.phase == "adjourned" and row.adjourned_at is not None and row.deadline is None
    assert_log_is_gap_free(session)
    assert Event.objects.filter(session=session, kind="phase_changed").count() == len(
        SITTINGS[preset_key]
    )
