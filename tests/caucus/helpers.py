"""Committees to caucus in, built through the real services, and websocket helpers.

Two set-ups: the shipped peace-talks scenario (proximity talks, directive mediation, a
mediator delegation) and a UNA-USA committee of four member states with a chair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from channels.testing import WebsocketCommunicator
from django.test import Client

from apps.accounts.models import User
from apps.caucus import services
from apps.caucus.models import Channel
from apps.delegations import services as delegation_services
from apps.delegations.models import Committee, Delegation, Simulation
from tests.proceedings.helpers import seat
from tests.sockets import open_socket, settle

__all__ = ["open_socket", "settle"]  # the shared socket helpers, for the caucus tests

# Short names for the delegations of the peace-talks scenario, in its order.
TALKS = {
    "government": "Government of the Republic of Kaldera",
    "nlf": "Northern Lakes Front",
    "prm": "Popular Resistance Movement",
    "lru": "Lakes Regional Union",
    "ngo": "Open Hands Humanitarian Alliance",
    "envoy": "UN Special Envoy for Kaldera",
}


@dataclass
class Talks:
    """The peace talks with one student seated in each delegation (by short name)."""

    simulation: Simulation
    committee: Committee
    instructor: User
    delegations: dict[str, Delegation] = field(default_factory=dict)
    delegates: dict[str, User] = field(default_factory=dict)

    def delegation(self, short: str) -> Delegation:
        return self.delegations[short]

    def delegate(self, short: str) -> User:
        return self.delegates[short]


def build_talks(instructor: User) -> Talks:
    simulation = delegation_services.simulation_from_scenario(owner=instructor, slug="peace-talks")
    committee = Committee.objects.get(simulation=simulation)
    talks = Talks(simulation, committee, instructor)
    by_name = {d.name: d for d in Delegation.objects.filter(committee=committee)}
    for short, name in TALKS.items():
        talks.delegations[short] = by_name[name]
        talks.delegates[short] = seat(simulation, by_name[name], f"Delegate {short}")
    return talks


def client_of(user: User) -> Client:
    """A browser logged in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def reload_user(user: User) -> User:
    """A fresh user object: the policy caches a user's standing on the object."""
    return User.objects.get(pk=user.pk)


def open_channel(
    committee: Committee, by: User, kind: str, *with_: Delegation, name: str = ""
) -> Channel:
    return services.channel_open(
        committee=committee, by=by, kind=kind, with_ids=[d.pk for d in with_], name=name
    )


def stream(channel: Channel) -> str:
    return f"channel-{channel.pk}"


# --- websockets ------------------------------------------------------------------------------


async def resume(communicator: WebsocketCommunicator, streams: object) -> list[str]:
    """Send a resume and return what it replayed (everything before the next pong)."""
    await communicator.send_json_to({"type": "resume", "streams": streams})
    return await settle(communicator)


async def drain(communicator: WebsocketCommunicator, seconds: float = 0.5) -> list[str]:
    """Everything received until the socket stays quiet for `seconds` (receive_nothing:
    a timed-out receive_from would cancel the consumer)."""
    out: list[str] = []
    while not await communicator.receive_nothing(timeout=seconds):
        out.append(await communicator.receive_from(timeout=5))
    return out


def seqs_of(fragments: list[str], channel: Channel) -> list[int]:
    """The message numbers of `channel` in pushed fragments, in the order they came."""
    marker = f'data-channel="{channel.pk}"'
    found: list[int] = []
    for html in fragments:
        if marker in html:
            match = re.search(r'data-seq="(\d+)"', html)
            if match:
                found.append(int(match.group(1)))
    return found
