"""Caucus channels: the plenary floor, bloc rooms, bilaterals, shuttles and notes.

A channel row is the lock and the counter of its messages: posting locks it and numbers the
message `last_seq + 1`, so every channel's stream is gap-free and a client that missed
pushes replays exactly what it missed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy

from apps.caucus.domain import ChannelKind
from apps.delegations.models import Committee, Delegation


class Channel(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(
        max_length=12,
        choices=[(k.value, gettext_lazy(k.label.template)) for k in ChannelKind],
    )
    name = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(
        Delegation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "12-40" for a bilateral, shuttle or note channel: at most one per pair and kind.
    pair_key = models.CharField(max_length=40, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    muted = models.BooleanField(default=False)
    # A note passed "via the chair" is read by the committee's chair: that note, not the
    # thread. `chair_reads` says the thread holds one; such notes are numbered gap-free among
    # themselves (`Message.chair_seq`), the stream the chair follows, so the chair's page
    # shows no trace of the notes between them.
    chair_reads = models.BooleanField(default=False)
    last_chair_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    # Set by selectors on a channel rendered for a reader who sees only the notes passed via
    # the chair: templates number its messages by `chair_seq`. Not a column.
    chair_view: bool = False

    class Meta:
        ordering = ["committee", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee"], condition=Q(kind="plenary"), name="one_plenary_per_committee"
            ),
            models.UniqueConstraint(
                fields=["committee", "kind", "pair_key"],
                condition=~Q(pair_key=""),
                name="one_channel_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()

    def get_absolute_url(self) -> str:
        return reverse("caucus:room", args=[self.committee_id]) + f"?channel={self.pk}"

    @property
    def simulation_id(self) -> int:
        return int(self.committee.simulation_id)

    @property
    def kind_enum(self) -> ChannelKind:
        return ChannelKind(self.kind)

    def member_delegation_ids(self) -> set[int]:
        """Active members (prefetched by selectors as `active_member_ids`)."""
        cached = getattr(self, "active_member_ids", None)
        if cached is not None:
            return set(cached)
        return set(self.members.filter(active=True).values_list("delegation_id", flat=True))


class ChannelMember(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="members")
    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "delegation"], name="member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.delegation_id} in {self.channel_id}"


class Message(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    delegation = models.ForeignKey(
        Delegation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    via_chair = models.BooleanField(default=False)
    # The note's number among the channel's notes passed via the chair (None for the others).
    chair_seq = models.PositiveIntegerField(null=True, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["channel", "chair_seq"],
                condition=Q(chair_seq__isnull=False),
                name="message_chair_seq_unique",
            ),
        ]
        indexes = [models.Index(fields=["author", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.body[:40]}"
