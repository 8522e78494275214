"""The lobby: a simulation's live notice board (the walking skeleton's "hello committee").

Everyone in the simulation reads it; instructors and students post to it; instructors can
schedule an announcement that the Celery worker posts at its time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.delegations.models import Simulation


class LobbyMessage(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        ANNOUNCEMENT = "announcement", "Announcement"

    simulation = models.ForeignKey(
        Simulation, on_delete=models.CASCADE, related_name="lobby_messages"
    )
    # Gap-free per simulation: clients detect a missed push by a gap and replay it.
    seq = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MESSAGE)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["simulation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["simulation", "seq"], name="lobby_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.body[:40]}"


class LobbyStream(models.Model):
    """The counter of a simulation's lobby: `apps.core.streams.next_seq` bumps `last_seq`
    under this row's lock, so messages are numbered gap-free without locking the simulation
    row (which every other write to the simulation shares)."""

    simulation = models.OneToOneField(
        Simulation, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_seq = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"lobby of {self.simulation_id}: {self.last_seq}"


class Announcement(models.Model):
    """A message the worker posts at `due_at`. A row, not only a Celery ETA: the beat sweep
    posts any that a lost task missed, and `message` being set makes posting happen once."""

    simulation = models.ForeignKey(
        Simulation, on_delete=models.CASCADE, related_name="announcements"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    due_at = models.DateTimeField(db_index=True)
    message = models.OneToOneField(
        LobbyMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="announcement"
    )
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"{self.body[:40]} at {self.due_at:%H:%M:%S}"

    @property
    def is_posted(self) -> bool:
        return self.message_id is not None
