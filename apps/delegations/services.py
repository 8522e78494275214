"""Every write to simulations and memberships, one function per use case."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.core import policy
from apps.delegations.models import (
    JOIN_CODE_LENGTH,
    Membership,
    Simulation,
    new_join_code,
    normalise_join_code,
)

DISPLAY_NAME_MAX = 60


def clean_display_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValidationError("Enter the name others will see (your own or your delegation's).")
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(
            f"Names are limited to {DISPLAY_NAME_MAX} characters (this one has {len(name)})."
        )
    if any(not ch.isprintable() for ch in name):
        raise ValidationError("Names cannot contain control characters.")
    return name


def simulation_by_code(raw_code: str) -> Simulation:
    code = normalise_join_code(raw_code)
    if len(code) != JOIN_CODE_LENGTH:
        raise ValidationError(
            f"A join code has {JOIN_CODE_LENGTH} letters and digits; check the code on the board."
        )
    simulation = Simulation.objects.filter(join_code=code).first()
    if simulation is None:
        raise ValidationError(f"No simulation has the code {code}. Check the code on the board.")
    if not simulation.is_open:
        raise ValidationError("This simulation is closed: ask your instructor.")
    return simulation


def simulation_create(*, owner: User, title: str, description: str = "") -> Simulation:
    """Create a simulation owned by `owner`, with a fresh unique join code."""
    if not owner.is_instructor and not owner.is_superuser:
        raise ValidationError("Only instructors can create simulations.")
    title = title.strip()
    if not title:
        raise ValidationError("Give the simulation a title.")
    for _ in range(10):
        try:
            with transaction.atomic():
                simulation = Simulation.objects.create(
                    owner=owner,
                    title=title,
                    description=description.strip(),
                    join_code=new_join_code(),
                )
                Membership.objects.create(
                    simulation=simulation, user=owner, role=Membership.Role.INSTRUCTOR
                )
                return simulation
        except IntegrityError:
            continue  # join code collision: draw again
    raise RuntimeError("Could not draw a free join code.")


def simulation_join(*, code: str, display_name: str, user: User | None) -> tuple[User, Membership]:
    """Join by code. Creates the student user (no e-mail, no password) only when every input
    is valid, and the membership in the same transaction: an error leaves nothing behind."""
    simulation = simulation_by_code(code)
    name = clean_display_name(display_name) if user is None else None
    with transaction.atomic():
        if user is None:
            user = User(username=f"student-{secrets.token_hex(6)}", display_name=name or "")
            user.set_unusable_password()
            user.save()
        membership, _ = Membership.objects.get_or_create(
            simulation=simulation, user=user, defaults={"role": Membership.Role.DELEGATE}
        )
    policy.forget(user)
    return user, membership
