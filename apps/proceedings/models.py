"""Sessions of a committee: phases, speakers, motions, attendance and the event log.

The session row is the lock and the counter: every change locks it (`select_for_update`),
bumps `version`, and appends to the event log with `last_event_seq + 1` in the same
transaction, so the log is gap-free and ordered and a stale action (an old version, a
duplicated timer) can be recognised and ignored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from apps.delegations.models import Committee, Delegation
from apps.proceedings.domain.machine import SessionState, state_from_dict, state_to_dict
from apps.proceedings.domain.phases import Phase
from apps.proceedings.event_kinds import Kind, render_event


class Session(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveIntegerField(default=1)
    # The rules-of-procedure state machine (apps.proceedings.domain.machine.SessionState).
    state = models.JSONField(default=dict)
    # Denormalised from `state` for queries and indexes.
    phase = models.CharField(max_length=32, default=Phase.NOT_STARTED.value, db_index=True)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    # When the timed phase ends; the task and the beat sweep act on it (DESIGN.md §3).
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    # The current speech: who, since when, until when (speaking time is a timer too).
    speaker = models.ForeignKey(
        Delegation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    speech_started_at = models.DateTimeField(null=True, blank=True)
    speech_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    speech_number = models.PositiveIntegerField(default=0)
    speech_side = models.CharField(max_length=8, blank=True)
    speech_yielded = models.BooleanField(default=False)
    mediation_mode = models.CharField(max_length=16, blank=True)
    proximity = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)
    last_event_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    adjourned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["committee", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "number"], name="session_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.committee} – session {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("proceedings:session", args=[self.pk])

    @property
    def simulation_id(self) -> int:
        return int(self.committee.simulation_id)

    @property
    def machine(self) -> SessionState:
        return state_from_dict(self.state) if self.state else SessionState()

    def set_machine(self, state: SessionState) -> None:
        self.state = state_to_dict(state)
        self.phase = state.phase.value

    @property
    def phase_enum(self) -> Phase:
        return Phase(self.phase)

    @property
    def is_open(self) -> bool:
        return self.phase not in {Phase.NOT_STARTED.value, Phase.ADJOURNED.value}


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        PRESENT_AND_VOTING = "present_and_voting", "Present and voting"
        ABSENT = "absent", "Absent"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ABSENT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "delegation"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.delegation_id}: {self.status}"


class SpeakerEntry(models.Model):
    """One place on the speakers list (an entry leaves the list when its speech starts)."""

    class Side(models.TextChoices):
        GENERAL = "general", "—"
        FOR = "for", "For"
        AGAINST = "against", "Against"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="speakers")
    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=8, choices=Side.choices, default=Side.GENERAL)
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "position"]

    def __str__(self) -> str:
        return f"{self.position}. {self.delegation_id}"


class Motion(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "On the floor"
        VOTING = "voting", "Being voted"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        OUT_OF_ORDER = "out_of_order", "Ruled out of order"
        LAPSED = "lapsed", "Lapsed (the floor moved on)"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="motions")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    mover = models.ForeignKey(
        Delegation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="motion_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq}"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.PENDING, self.Status.VOTING}


class PlacardVote(models.Model):
    """A delegation's placard on a motion: one per delegation, changeable until the vote closes."""

    class Choice(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        ABSTAIN = "abstain", "Abstain"

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="votes")
    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cast_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "delegation"], name="one_placard_per_delegation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegation_id}: {self.choice}"


class Event(models.Model):
    """Append-only, gap-free log of everything that happened in a session: the single
    source for live updates, replay after reconnect, transcripts and analytics.

    Appended only through `apps.proceedings.journal.event_append`. `payload` holds the facts
    of its `kind` (a schema per kind in `apps.proceedings.event_kinds`), never a sentence:
    `text` renders one when it is read, in the reader's language."""

    Kind = Kind

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Everyone in the committee"
        STAFF = "staff", "Chair and instructors"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40, choices=Kind.choices)
    payload = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    @property
    def text(self) -> str:
        """The event as a sentence, in the active language."""
        return render_event(self)
