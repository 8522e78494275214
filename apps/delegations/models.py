from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

# Unambiguous on a projector and typed on a phone: no 0/O, 1/I/L.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(raw: str) -> str:
    """What people type ("ab-c 12d") to what we store ("ABC12D")."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


class Simulation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open: students can join"
        CLOSED = "closed", "Closed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_simulations"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    staff_can_read_private_channels = models.BooleanField(
        default=True,
        help_text="Instructors and chairs may read bloc, bilateral and shuttle channels. "
        "Every member of such a channel is told so.",
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


class Membership(models.Model):
    """A user's role in one simulation (one role per user per simulation)."""

    class Role(models.TextChoices):
        INSTRUCTOR = "instructor", "Instructor"
        CO_INSTRUCTOR = "co_instructor", "Co-instructor"
        CHAIR = "chair", "Chair"
        MEDIATOR = "mediator", "Mediator"
        DELEGATE = "delegate", "Delegate"
        OBSERVER = "observer", "Observer"
        ORGANIZER = "organizer", "Organizer"

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.DELEGATE)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "user"], name="one_membership_per_user"),
        ]
        indexes = [models.Index(fields=["user", "simulation"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} in {self.simulation}"
