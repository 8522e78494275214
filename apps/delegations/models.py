from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.delegations.domain.actors import (
    ActorKind,
    Right,
    RightRow,
    effective_rights,
    rights_table,
)

# Unambiguous on a projector and typed on a phone: no 0/O, 1/I/L.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 31^8 ≈ 8.5e11 codes: at the join limit (10 failed attempts per address per 5 minutes)
# guessing one is hopeless. Codes drawn before were 6 long (31^6 ≈ 8.9e8) and still work.
JOIN_CODE_LENGTH = 8
JOIN_CODE_LENGTHS = frozenset({6, JOIN_CODE_LENGTH})
DEFAULT_JOIN_LIMIT = 60
MAX_JOIN_LIMIT = 2000


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(raw: str) -> str:
    """What people type ("ab-c 12d") to what we store ("ABC12D")."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


class Simulation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open: students can join")
        CLOSED = "closed", _("Closed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_simulations"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    staff_can_read_private_channels = models.BooleanField(
        default=True,
        help_text="Instructors may read bloc, bilateral and shuttle channels. "
        "Every member of such a channel is told so.",
    )
    join_limit = models.PositiveIntegerField(
        default=DEFAULT_JOIN_LIMIT,
        validators=[MaxValueValidator(MAX_JOIN_LIMIT)],
        help_text="How many people may join with the code (0: nobody more). "
        "Caps the accounts anyone who learns the code can create.",
    )
    scenario_slug = models.SlugField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("delegations:simulation", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Committee(models.Model):
    """A negotiating body with its members and its rules of procedure.

    `rules` holds the committee's complete effective rules (the preset with the instructor's
    changes, as `preset_to_dict` writes them), so later changes to a shipped preset never
    change a committee that already exists.
    """

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="committees")
    name = models.CharField(max_length=120)
    body = models.CharField(
        max_length=200, blank=True, help_text="e.g. United Nations Security Council"
    )
    preset_key = models.CharField(max_length=40)
    rules = models.JSONField(default=dict)
    agenda = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["simulation", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["simulation", "name"], name="committee_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("delegations:committee", args=[self.simulation_id, self.pk])

    @property
    def mediation(self) -> dict[str, Any]:
        value = self.rules.get("mediation") if isinstance(self.rules, dict) else None
        return value if isinstance(value, dict) else {}


class Delegation(models.Model):
    """An actor seated in a committee: a state, an NGO, a company, a city, an armed group..."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="delegations")
    name = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=32, choices=[(k.value, gettext_lazy(k.label)) for k in ActorKind]
    )
    country_code = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166 alpha-2, for states (blank if fictional)"
    )
    fictional = models.BooleanField(default=False)
    seats = models.PositiveSmallIntegerField(default=2)
    rights_overrides = models.JSONField(default=dict, blank=True)
    brief = models.TextField(
        blank=True, help_text="Confidential: only this delegation and staff read it."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["committee", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="delegation_name_unique"),
            models.CheckConstraint(
                condition=models.Q(seats__gte=1) & models.Q(seats__lte=3),
                name="delegation_seats_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("delegations:delegation", args=[self.committee.simulation_id, self.pk])

    @property
    def actor_kind(self) -> ActorKind:
        return ActorKind(self.kind)

    @property
    def rights(self) -> frozenset[Right]:
        return effective_rights(self.actor_kind, self.rights_overrides or {})

    def has_right(self, right: Right | str) -> bool:
        return Right(right) in self.rights

    def rights_rows(self) -> list[RightRow]:
        """What the delegation may do, one row per right, labels in the reader's language."""
        rows = rights_table(self.actor_kind, self.rights_overrides or {})
        return [row._replace(label=gettext(row.label)) for row in rows]

    @property
    def flag(self) -> str:
        """The flag emoji of a state's country code (regional indicator letters)."""
        code = self.country_code.upper()
        if len(code) != 2 or not code.isalpha():
            return ""
        return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in code)


class Membership(models.Model):
    """A user's role in one simulation (one role per user per simulation)."""

    class Role(models.TextChoices):
        INSTRUCTOR = "instructor", _("Instructor")
        CO_INSTRUCTOR = "co_instructor", _("Co-instructor")
        CHAIR = "chair", _("Chair")
        MEDIATOR = "mediator", _("Mediator")
        DELEGATE = "delegate", _("Delegate")
        OBSERVER = "observer", _("Observer")
        ORGANIZER = "organizer", _("Organizer")

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.DELEGATE)
    # A delegate's seat (empty until they pick or are given one).
    delegation = models.ForeignKey(
        Delegation, on_delete=models.SET_NULL, null=True, blank=True, related_name="seats_taken"
    )
    # The committee a chair, mediator or observer is assigned to (empty: the whole simulation).
    committee = models.ForeignKey(
        Committee, on_delete=models.SET_NULL, null=True, blank=True, related_name="staff"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "user"], name="one_membership_per_user"),
        ]
        indexes = [models.Index(fields=["user", "simulation"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} in {self.simulation}"
