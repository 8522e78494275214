"""The vocabulary of the event log: a schema per kind, checked when written; a sentence per
kind, made when read; services that emit exactly the kinds they should; and the migration
that converted the rows written before kinds had schemas."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import transaction

from apps.accounts.models import User
from apps.caucus import services as caucus_services
from apps.delegations.models import Simulation
from apps.proceedings import event_kinds as ek
from apps.proceedings import rules, services
from apps.proceedings.domain.majority import MajorityRule, Tally, decide
from apps.proceedings.domain.text import text_to_data
from apps.proceedings.event_kinds import SCHEMAS, Kind, PayloadError, validate_payload
from apps.proceedings.journal import event_append
from apps.proceedings.models import Event, Session
from tests.events import check_event, expect_events, last_seq
from tests.proceedings.helpers import Floor, all_present, build_floor, fresh, in_general_debate

MOTION = {
    "motion": 7,
    "motion_kind": "moderated_caucus",
    "duration_s": 600,
    "speaking_time_s": 45,
    "topic": "Dams upstream",
}
WORDS = "a motion for a moderated caucus of 10 minutes (45 s per speaker) on “Dams upstream”"

# One example per kind, and the sentence it reads as (the sentences the log stored before).
EXAMPLES: list[tuple[ek.Payload, str]] = [
    (ek.SessionCreated(number=2), "Session 2 created."),
    (ek.SessionOpened(phase="roll_call"), "The session is open: Roll call."),
    (
        ek.PhaseChanged(phase="moderated_caucus", timer_s=600, ended=None),
        "Moderated caucus, 10 minutes.",
    ),
    (ek.PhaseChanged(phase="general_debate", timer_s=None, ended=None), "General debate."),
    (
        ek.PhaseChanged(phase="general_debate", timer_s=None, ended="unmoderated_caucus"),
        "The chair ended the unmoderated caucus; general debate.",
    ),
    (
        ek.PhaseEnded(phase="general_debate", ended="suspended", deadline=None),
        "Time is up: suspended ended; general debate.",
    ),
    (ek.AgendaSet(topic="Water rights"), "The committee takes up: Water rights."),
    (
        ek.MediationChanged(mode="directive", proximity=True),
        "Mediation is now directive with proximity talks.",
    ),
    (
        ek.AttendanceSet(delegation=3, name="Veridia", status="present_and_voting"),
        "Veridia: present and voting.",
    ),
    (ek.SpeakerAdded(delegation=3, name="Veridia"), "Veridia joins the speakers list."),
    (ek.SpeakerRemoved(delegation=3, name="Veridia"), "Veridia leaves the speakers list."),
    (ek.SpeakersReordered(), "The chair reordered the speakers list."),
    (ek.SpeechStarted(delegation=3, name="Veridia", seconds=90), "Veridia has the floor (90 s)."),
    (
        ek.SpeechExtended(delegation=3, name="Veridia", seconds=30),
        "Veridia gets 30 more seconds.",
    ),
    (
        ek.SpeechEnded(delegation=3, name="Veridia", timed_out=True),
        "Time: Veridia's speaking time is over.",
    ),
    (
        ek.SpeechEnded(delegation=3, name="Veridia", timed_out=False),
        "The chair ends Veridia's speech.",
    ),
    (
        ek.SpeechYielded(
            delegation=3,
            name="Veridia",
            yield_to="delegation",
            seconds=40,
            to_delegation=4,
            to_name="Calvia",
        ),
        "Veridia yields 40 s to Calvia.",
    ),
    (
        ek.SpeechYielded(
            delegation=3,
            name="Veridia",
            yield_to="chair",
            seconds=0,
            to_delegation=None,
            to_name="",
        ),
        "Veridia yields to the chair.",
    ),
    (
        ek.MotionMoved(**MOTION, mover=3, mover_name="Veridia"),
        f"Veridia moves {WORDS}.",
    ),
    (ek.MotionWithdrawn(**MOTION), "A" + WORDS[1:] + " is withdrawn."),
    (ek.MotionOutOfOrder(**MOTION), f"The chair rules {WORDS} out of order."),
    (ek.VoteOpened(**MOTION), f"Vote on {WORDS}: raise your placards."),
    (
        ek.PlacardRaised(motion=7, delegation=3, name="Veridia", choice="abstain"),
        "Veridia: abstain.",
    ),
    (
        ek.MotionPassed(
            **MOTION, phase="moderated_caucus", granted=False, yes=2, no=1, abstain=1, reason=""
        ),
        "A" + WORDS[1:] + " passes (2 in favour, 1 against, 1 abstention).",
    ),
    (
        ek.MotionFailed(
            **MOTION,
            phase="general_debate",
            granted=False,
            yes=1,
            no=0,
            abstain=0,
            reason="No quorum: 1 of 4 members present, 2 needed.",
        ),
        "A" + WORDS[1:] + " fails (1 in favour, 0 against, 0 abstentions)."
        " No quorum: 1 of 4 members present, 2 needed.",
    ),
    (
        ek.MotionFailed(
            **MOTION,
            phase="general_debate",
            granted=False,
            yes=1,
            no=0,
            abstain=0,
            reason=text_to_data(
                decide(
                    MajorityRule.SIMPLE, Tally(yes=1, no=0, abstain=0, members=4, absent=3)
                ).reason
            ),
        ),
        "A" + WORDS[1:] + " fails (1 in favour, 0 against, 0 abstentions)."
        " No quorum: 1 of 4 members present, 2 needed.",
    ),
    (
        ek.MotionPassed(
            motion=8,
            motion_kind="point_of_order",
            duration_s=None,
            speaking_time_s=None,
            topic="",
            phase="general_debate",
            granted=True,
            yes=None,
            no=None,
            abstain=None,
            reason="",
        ),
        "The chair grants point of order.",
    ),
    (ek.RulesChanged(), "The chair changed the rules of procedure."),
    (
        ek.FloorMessage(channel=1, seq=4, author="", body="Order, please."),
        "The chair: Order, please.",
    ),
    (
        ek.Legacy(legacy_text="Something odd happened.", legacy_kind="odd", legacy_payload={}),
        "Something odd happened.",
    ),
]


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_has_a_schema_and_an_example_that_reads_as_a_sentence(kind: Kind) -> None:
    schema = SCHEMAS[kind]
    assert schema.kind is kind
    examples = [p for p, _ in EXAMPLES if p.kind is kind]
    assert examples, f"no example of {kind}"
    for payload in examples:
        stored = ek.payload_to_dict(payload)
        assert "text" not in stored  # facts, not prose
        sentence = ek.render_event(Event(kind=kind, payload=stored))
        assert sentence.strip() and "{" not in sentence


@pytest.mark.parametrize(("payload", "sentence"), EXAMPLES, ids=lambda v: getattr(v, "kind", ""))
def test_each_kind_reads_as_the_sentence_the_log_used_to_store(
    payload: ek.Payload, sentence: str
) -> None:
    assert ek.render_event(Event(kind=payload.kind, payload=ek.payload_to_dict(payload))) == (
        sentence
    )


def test_a_payload_with_an_unknown_a_missing_or_a_mistyped_key_is_refused() -> None:
    good = ek.payload_to_dict(ek.SpeechStarted(delegation=3, name="Veridia", seconds=90))
    validate_payload("speech_started", good)
    with pytest.raises(PayloadError, match="unknown keys \\['text'\\]"):
        validate_payload("speech_started", {**good, "text": "Veridia has the floor."})
    with pytest.raises(PayloadError, match="missing keys \\['seconds'\\]"):
        validate_payload("speech_started", {k: v for k, v in good.items() if k != "seconds"})
    with pytest.raises(PayloadError, match="wrong types for seconds='90'"):
        validate_payload("speech_started", {**good, "seconds": "90"})
    with pytest.raises(PayloadError, match="wrong types for seconds=True"):
        validate_payload("speech_started", {**good, "seconds": True})
    with pytest.raises(PayloadError, match="wrong types for delegation=None"):
        validate_payload("speech_started", {**good, "delegation": None})
    with pytest.raises(PayloadError, match="unknown event kind"):
        validate_payload("speech_sung", good)
    with pytest.raises(PayloadError, match="must be an object"):
        validate_payload("speech_started", ["Veridia"])


@pytest.mark.django_db
def test_a_payload_that_does_not_fit_its_schema_is_not_appended(
    simulation: Simulation, instructor: User
) -> None:
    floor = build_floor(simulation, instructor)
    session = in_general_debate(floor)
    before = last_seq(session)
    wrong = ek.SpeechStarted(delegation=3, name="Veridia", seconds="90")  # type: ignore[arg-type]

    with pytest.raises(PayloadError), transaction.atomic():
        event_append(session=session, payload=wrong, actor=floor.chair)

    assert last_seq(session) == before
    assert not Event.objects.filter(session=session, seq__gt=before).exists()


def test_the_sentence_is_made_when_the_event_is_read_in_the_readers_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing of the sentence is stored: the same row reads in whatever language is active
    when it is read (here a stand-in catalogue with one French sentence)."""
    from apps.core import i18n

    french = {"{name} joins the speakers list.": "{name} s’inscrit sur la liste des orateurs."}
    event = Event(kind=Kind.SPEAKER_ADDED, payload={"delegation": 3, "name": "Veridia"})
    assert event.text == "Veridia joins the speakers list."
    monkeypatch.setattr(i18n, "gettext", lambda message: french.get(message, message))
    assert event.text == "Veridia s’inscrit sur la liste des orateurs."


def test_a_decided_motions_reason_is_stored_as_its_template_and_read_in_the_readers_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reason and its counts are translated when read; an old row's English reason reads
    as it was stored."""
    from apps.core import i18n

    outcome = decide(MajorityRule.SIMPLE, Tally(yes=1, no=2, abstain=0, members=4))
    fields = {**MOTION, "phase": "general_debate", "granted": False, "yes": 1, "no": 2}
    stored = ek.payload_to_dict(
        ek.MotionFailed(**fields, abstain=0, reason=text_to_data(outcome.reason))
    )
    assert stored["reason"]["template"] == (
        "{counts}: a simple majority needs more votes in favour than against."
    )
    legacy = {**stored, "reason": str(outcome.reason)}
    english = ek.render_event(Event(kind=Kind.MOTION_FAILED, payload=stored))
    assert ek.render_event(Event(kind=Kind.MOTION_FAILED, payload=legacy)) == english
    assert english.endswith(
        " 1 in favour, 2 against, 0 abstentions:"
        " a simple majority needs more votes in favour than against."
    )
    french = {
        "{counts}: a simple majority needs more votes in favour than against.": (
            "{counts} : il faut plus de voix pour que contre."
        ),
        "{yes} in favour, {no} against, {abstentions}": "{yes} pour, {no} contre, {abstentions}",
        "{count} abstentions": "{count} abstentions",
    }
    monkeypatch.setattr(i18n, "gettext", lambda message: french.get(message, message))
    assert ek.render_event(Event(kind=Kind.MOTION_FAILED, payload=stored)).endswith(
        " 1 pour, 2 contre, 0 abstentions : il faut plus de voix pour que contre."
    )


# --- the services emit what they should ------------------------------------------------------


@pytest.fixture
def floor(simulation: Simulation, instructor: User) -> Floor:
    return build_floor(simulation, instructor)


@pytest.mark.django_db
def test_moving_entertaining_and_voting_a_motion_emit_their_kinds(floor: Floor) -> None:
    session = in_general_debate(floor)
    all_present(floor, session)

    with expect_events(session, [Kind.MOTION_MOVED]) as moved:
        motion = services.motion_move(
            session=session,
            by=floor.delegate("Veridia"),
            kind="moderated_caucus",
            params={"duration_s": 600, "speaking_time_s": 45, "topic": "Dams upstream"},
        )
    with expect_events(session, [Kind.VOTE_OPENED]):
        services.motion_entertain(session=session, by=floor.chair, motion_id=motion.pk)
    with expect_events(session, [Kind.PLACARD, Kind.PLACARD]) as placards:
        for name in ("Veridia", "Calvia"):
            services.motion_vote_cast(
                session=session, by=floor.delegate(name), motion_id=motion.pk, choice="yes"
            )
    with expect_events(session, [Kind.MOTION_PASSED]) as decided:
        services.motion_vote_close(session=session, by=floor.chair, motion_id=motion.pk)

    assert moved[0].payload == {
        **MOTION,
        "motion": motion.pk,
        "mover": floor.delegation("Veridia").pk,
        "mover_name": "Veridia",
    }
    assert all(p.visibility == Event.Visibility.STAFF for p in placards)
    assert decided[0].payload["phase"] == "moderated_caucus"
    assert (decided[0].payload["yes"], decided[0].payload["no"]) == (2, 0)


@pytest.mark.django_db
def test_the_speakers_list_emits_its_kinds(floor: Floor) -> None:
    session = in_general_debate(floor)
    with expect_events(session, [Kind.SPEAKER_ADDED, Kind.SPEAKER_ADDED]):
        services.speaker_add(session=session, by=floor.delegate("Veridia"))
        services.speaker_add(session=session, by=floor.delegate("Calvia"))
    with expect_events(session, [Kind.SPEECH_STARTED, Kind.SPEECH_EXTENDED]) as got:
        services.speaker_next(session=session, by=floor.chair)
        services.speaker_extend(session=session, by=floor.chair, seconds=30)
    with expect_events(session, [Kind.SPEECH_YIELDED]) as yielded:
        services.speaker_yield(
            session=session,
            by=floor.delegate("Veridia"),
            kind="delegation",
            to_delegation_id=floor.delegation("Norbek").pk,
        )

    assert got[0].payload["name"] == "Veridia" and got[1].payload["seconds"] == 30
    assert yielded[0].payload["to_name"] == "Norbek"
    assert yielded[0].text.startswith("Veridia yields ") and yielded[0].text.endswith(" to Norbek.")


@pytest.mark.django_db
def test_a_timer_the_rules_editor_and_a_floor_message_emit_their_kinds(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.phase_advance(session=session, by=floor.chair, to="unmoderated_caucus", duration_s=300)
    row = fresh(session)
    assert row.deadline is not None

    with expect_events(session, [Kind.PHASE_ENDED]) as ended:
        services.phase_end_if_due(session_id=session.pk, now=row.deadline + dt.timedelta(seconds=1))
    with expect_events(session, [Kind.RULES_CHANGED]):
        rules.committee_rules_update(
            committee=floor.committee,
            by=floor.instructor,
            overrides={"speakers": {"default_speaking_time_s": 45}},
        )
    plenary = caucus_services.plenary_ensure(committee=floor.committee)
    with expect_events(session, [Kind.FLOOR_MESSAGE]) as said:
        caucus_services.message_post(channel=plenary, by=floor.chair, body="Order, please.")

    assert ended[0].payload["deadline"] == row.deadline.isoformat()
    assert said[0].text == "The chair: Order, please."


@pytest.mark.django_db
def test_every_event_of_a_realistic_sitting_fits_its_schema(floor: Floor) -> None:
    """A sitting that goes through every kind of event: each stored payload validates and
    reads as a sentence, and no kind is left out (a new kind needs a place here)."""
    chair = floor.chair
    session = services.session_create(committee=floor.committee, by=chair)
    session = services.session_open(session=session, by=chair)
    all_present(floor, session)
    services.agenda_set(session=session, by=chair, topic="Water rights")
    services.mediation_set(session=session, by=floor.instructor, mode="procedural", proximity=False)
    services.phase_advance(session=session, by=chair, to="general_debate")
    for name in ("Veridia", "Calvia", "Norbek"):
        services.speaker_add(session=session, by=floor.delegate(name))
    entries = list(session.speakers.order_by("position"))
    services.speakers_reorder(session=session, by=chair, entry_id=entries[1].pk, direction="up")
    services.speaker_remove(session=session, by=chair, entry_id=entries[2].pk)
    services.speaker_next(session=session, by=chair)
    services.speaker_extend(session=session, by=chair, seconds=30)
    services.speaker_yield(session=session, by=chair, kind="questions")
    services.speaker_end(session=session, by=chair)
    services.speaker_next(session=session, by=chair)
    speech = fresh(session)
    assert speech.speech_deadline is not None
    services.speech_end_if_due(session_id=session.pk, now=speech.speech_deadline)

    def move(kind: str, **params: Any) -> Any:
        return services.motion_move(
            session=session, by=floor.delegate("Osterland"), kind=kind, params=params
        )

    services.motion_withdraw(session=session, by=chair, motion_id=move("point_of_order").pk)
    services.motion_rule_out_of_order(
        session=session, by=chair, motion_id=move("point_of_information").pk
    )
    services.motion_entertain(session=session, by=chair, motion_id=move("point_of_order").pk)
    failing = move("unmoderated_caucus", duration_s=300)
    services.motion_entertain(session=session, by=chair, motion_id=failing.pk)
    services.motion_vote_cast(
        session=session, by=floor.delegate("Calvia"), motion_id=failing.pk, choice="no"
    )
    services.motion_vote_close(session=session, by=chair, motion_id=failing.pk)
    services.phase_advance(session=session, by=chair, to="unmoderated_caucus", duration_s=300)
    services.phase_end_now(session=session, by=chair)
    services.phase_advance(session=session, by=chair, to="unmoderated_caucus", duration_s=300)
    timed = fresh(session)
    assert timed.deadline is not None
    services.phase_end_if_due(session_id=session.pk, now=timed.deadline)
    rules.committee_rules_update(
        committee=floor.committee, by=floor.instructor, overrides={"voting": {"veto": False}}
    )
    plenary = caucus_services.plenary_ensure(committee=floor.committee)
    caucus_services.message_post(channel=plenary, by=chair, body="Thank you, delegates.")

    events = list(Event.objects.filter(session=session).order_by("seq"))
    for event in events:
        check_event(event)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert {e.kind for e in events} == {k.value for k in Kind} - {Kind.LEGACY}


# --- the migration ---------------------------------------------------------------------------

migration = importlib.import_module("apps.proceedings.migrations.0002_event_kinds")


def old_row(session: Session, seq: int, kind: str, text: str, payload: dict[str, Any]) -> Event:
    """A row as the log stored it before kinds had schemas: the sentence in the payload."""
    return Event.objects.create(
        session=session, seq=seq, kind=kind, payload={"text": text, **payload}
    )


@pytest.mark.django_db
def test_the_migration_converts_old_rows_and_keeps_the_rest_as_legacy(floor: Floor) -> None:
    session = in_general_debate(floor)
    all_present(floor, session)
    motion = services.motion_move(
        session=session,
        by=floor.delegate("Veridia"),
        kind="moderated_caucus",
        params={"duration_s": 600, "speaking_time_s": 45, "topic": "Dams upstream"},
    )
    Event.objects.filter(session=session).delete()
    veridia, calvia = floor.delegation("Veridia").pk, floor.delegation("Calvia").pk
    rows = [
        ("session_created", "Session 1 created.", {}),
        ("session_opened", "The session is open: Roll call.", {}),
        ("phase_changed", "Moderated caucus, 1 hour 30 minutes.", {"phase": "moderated_caucus"}),
        (
            "phase_changed",
            "The chair ended the unmoderated caucus; general debate.",
            {"phase": "general_debate"},
        ),
        (
            "phase_ended",
            "Time is up: suspended ended; general debate.",
            {"phase": "general_debate", "ended": "suspended"},
        ),
        (
            "attendance",
            "Veridia: present and voting.",
            {"delegation": veridia, "status": "present_and_voting"},
        ),
        ("speaker_removed", "Calvia leaves the speakers list.", {}),
        ("speech_started", "Veridia has the floor (90 s).", {"delegation": veridia, "seconds": 90}),
        ("speech_ended", "Time: Veridia's speaking time is over.", {}),
        ("speech_yielded", "Veridia yields 40 s to Calvia.", {"yield": "delegation"}),
        ("motion_moved", f"Veridia moves {WORDS}.", {"motion": motion.pk}),
        ("placard", "Calvia: no.", {"motion": motion.pk, "choice": "no"}),
        ("floor_message", "Veridia: We agree: dams hurt.", {"channel": 1, "seq": 3}),
        ("rules_changed", "The chair changed the rules of procedure.", {}),
        # Not convertible: no motion named, a delegation that is not in the committee, and
        # a kind nobody knows. Each keeps its sentence.
        ("motion_withdrawn", "A point of order is withdrawn.", {}),
        ("speech_extended", "Atlantis gets 30 more seconds.", {}),
        ("coffee_break", "The chair calls a coffee break.", {"minutes": 10}),
    ]
    for seq, (kind, text, payload) in enumerate(rows, start=1):
        old_row(session, seq, kind, text, payload)

    migration.forwards(django_apps, None)
    migration.forwards(django_apps, None)  # running it twice changes nothing more

    events = list(Event.objects.filter(session=session).order_by("seq"))
    for event in events:
        check_event(event)
    assert [e.text for e in events] == [text for _, text, _ in rows]
    assert [e.kind for e in events[-3:]] == ["legacy", "legacy", "legacy"]
    assert events[-1].payload == {
        "legacy_text": "The chair calls a coffee break.",
        "legacy_kind": "coffee_break",
        "legacy_payload": {"minutes": 10},
    }
    assert [e.kind for e in events[:-3]] == [kind for kind, _, _ in rows[:-3]]
    by_kind = {e.kind: e.payload for e in events}
    assert by_kind["phase_changed"] == {
        "phase": "general_debate",
        "timer_s": None,
        "ended": "unmoderated_caucus",
    }
    assert events[2].payload == {"phase": "moderated_caucus", "timer_s": 5400, "ended": None}
    assert by_kind["speaker_removed"] == {"delegation": calvia, "name": "Calvia"}
    assert by_kind["speech_yielded"]["to_delegation"] == calvia
    assert by_kind["motion_moved"]["mover"] == veridia
    assert by_kind["placard"]["delegation"] == calvia
    assert by_kind["phase_ended"]["deadline"] is None

    migration.backwards(django_apps, None)
    coffee = Event.objects.get(session=session, seq=len(rows))
    assert (coffee.kind, coffee.payload) == (
        "coffee_break",
        {"text": "The chair calls a coffee break.", "minutes": 10},
    )
