"""Every write to simulations and memberships, one function per use case."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy

from apps.accounts.models import User
from apps.caucus.services import staff_reading_changed_on_commit
from apps.core import policy, ratelimit
from apps.core.broadcast import send_on_commit
from apps.core.errors import RateLimited
from apps.core.groups import group_for_user
from apps.core.i18n import render
from apps.core.inputs import clean_text
from apps.delegations.domain.actors import ActorKind, parse_overrides
from apps.delegations.domain.scenarios import (
    ScenarioError,
    ScenarioSpec,
    is_known_country,
    load_scenario,
)
from apps.delegations.models import (
    JOIN_CODE_LENGTHS,
    MAX_JOIN_LIMIT,
    Committee,
    Delegation,
    Membership,
    Simulation,
    new_join_code,
    normalise_join_code,
)
from apps.proceedings.domain.presets import (
    Preset,
    PresetError,
    load_preset,
    preset_to_dict,
    preset_with_overrides,
)
from apps.proceedings.rule_changes import rules_change_errors

DISPLAY_NAME_MAX = 60


JOIN_REFUSED = gettext_lazy(
    "No open simulation has this code. Check the code on the board, or ask your instructor."
)
JOIN_MALFORMED = gettext_lazy(
    "A join code has 8 letters and digits (6 for older ones). Check the code on the board."
)
BRIEF_MAX = 20_000
DESCRIPTION_MAX = 5_000
JOIN_LOCKED = gettext_lazy("Too many attempts to join: wait a few minutes, then try again.")
JOIN_FULL = gettext_lazy("No more students can join this simulation: ask your instructor.")
_DUPLICATE_COMMITTEE = gettext_lazy("There is already a committee called “{name}”.")
_DUPLICATE_DELEGATION = gettext_lazy("There is already a delegation called “{name}”.")
_DUPLICATE_IN = gettext_lazy("{committee} already has a delegation called “{name}”.")
# What a committee's or a delegation's name is refused for, in a sentence each.
_NAME_MESSAGES = {
    "committee": (
        gettext_lazy("Give the committee a name."),
        gettext_lazy("A committee name is limited to 120 characters."),
        gettext_lazy("A committee name"),
    ),
    "delegation": (
        gettext_lazy("Give the delegation a name."),
        gettext_lazy("A delegation name is limited to 120 characters."),
        gettext_lazy("A delegation name"),
    ),
}


def clean_display_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValidationError(
            gettext("Enter the name others will see (your own or your delegation's)."),
            code="name",
        )
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(
            gettext("Names are limited to {limit} characters (this one has {length}).").format(
                limit=DISPLAY_NAME_MAX, length=len(name)
            ),
            code="name",
        )
    try:
        return clean_text(
            name, what=gettext("A name"), max_length=DISPLAY_NAME_MAX, multiline=False
        )
    except ValidationError as error:  # control, bidirectional or invisible characters
        raise ValidationError(error.messages[0], code="name") from None


def simulation_by_code(raw_code: str) -> Simulation:
    """The open simulation with this code. An unknown code and a closed simulation's code are
    refused with the same words: a refusal never tells that a code exists."""
    code = normalise_join_code(raw_code)
    if len(code) not in JOIN_CODE_LENGTHS:
        raise ValidationError(JOIN_MALFORMED, code="code")
    simulation = Simulation.objects.filter(join_code=code).first()
    if simulation is None or not simulation.is_open:
        raise ValidationError(JOIN_REFUSED, code="code")
    return simulation


def simulation_create(*, owner: User, title: str, description: str = "") -> Simulation:
    """Create a simulation owned by `owner`, with a fresh unique join code."""
    if not owner.is_instructor:
        raise ValidationError(gettext("Only instructors can create simulations."))
    title = _staff_text(title, what=gettext("The title"), max_length=200, multiline=False)
    description = _staff_text(
        description, what=gettext("The description"), max_length=DESCRIPTION_MAX
    )
    if not title:
        raise ValidationError(gettext("Give the simulation a title."))
    for _ in range(10):
        try:
            with transaction.atomic():
                simulation = Simulation.objects.create(
                    owner=owner,
                    title=title,
                    description=description,
                    join_code=new_join_code(),
                )
                Membership.objects.create(
                    simulation=simulation, user=owner, role=Membership.Role.INSTRUCTOR
                )
                return simulation
        except IntegrityError:
            continue  # join code collision: draw again
    raise RuntimeError("Could not draw a free join code.")


def simulation_join(
    *, code: str, display_name: str, user: User | None, address: str | None = None
) -> tuple[User, Membership]:
    """Join by code. Creates the student user (no e-mail, no password) only when every input
    is valid, and the membership in the same transaction: an error leaves nothing behind.

    At most `simulation.join_limit` people join (the simulation row is locked while they are
    counted, so two students racing for the last place cannot both get it); joining again
    is not counted. With `address` (the client's address: the join page passes it), attempts
    are limited over JOIN_WINDOW_SECONDS: failed ones per address, all per code. The name is
    checked first and a lockout reads the same for every code, so neither tells whether a
    code exists.
    """
    name = clean_display_name(display_name) if user is None else None
    keys = _join_attempt(address, code) if address is not None else ()
    try:
        simulation = simulation_by_code(code)
    except ValidationError:
        raise  # a failed attempt: it stays counted against the address
    except BaseException:
        _give_back(keys)
        raise
    try:
        member, membership = _join_locked(simulation, user=user, name=name or "")
    finally:
        _give_back(keys)  # the code was right: not a failed attempt
    policy.forget(member)
    return member, membership


def _join_locked(
    simulation: Simulation, *, user: User | None, name: str
) -> tuple[User, Membership]:
    with transaction.atomic():
        # Locked while members are counted: two joins at the last place cannot both get it.
        locked = Simulation.objects.select_for_update().get(pk=simulation.pk)
        if user is not None:
            existing = Membership.objects.filter(simulation=locked, user=user).first()
            if existing is not None:
                return user, existing  # joining again is not counted
        joined = Membership.objects.filter(simulation=locked).exclude(user_id=locked.owner_id)
        if joined.count() >= locked.join_limit:
            raise ValidationError(JOIN_FULL, code="full")
        if user is None:
            user = User(username=f"student-{secrets.token_hex(6)}", display_name=name)
            user.set_unusable_password()
            user.save()
        membership = Membership.objects.create(
            simulation=locked, user=user, role=Membership.Role.DELEGATE
        )
        return user, membership


def _join_attempt(address: str, raw_code: str) -> tuple[str, ...]:
    """Count one join attempt from `address` with `raw_code`; JOIN_LOCKED past a limit.
    Returns the keys to give back if the attempt turns out not to be a failure."""
    window = settings.JOIN_WINDOW_SECONDS
    address_key = f"join:address:{address}"
    code_key = f"join:code:{normalise_join_code(raw_code)[:32]}"
    if not ratelimit.hit(address_key, limit=settings.JOIN_FAILURES_PER_ADDRESS, window_s=window):
        raise RateLimited(JOIN_LOCKED, code="locked")
    if not ratelimit.hit(code_key, limit=settings.JOIN_ATTEMPTS_PER_CODE, window_s=window):
        ratelimit.undo(address_key)
        raise RateLimited(JOIN_LOCKED, code="locked")
    return (address_key,)


def _give_back(keys: Iterable[str]) -> None:
    for key in keys:
        ratelimit.undo(key)


# --- committees -------------------------------------------------------------------------------


def _load_preset(preset_key: str, overrides: Mapping[str, Any] | None = None) -> Preset:
    try:
        preset = load_preset(preset_key)
        if overrides:
            preset = preset_with_overrides(preset, dict(overrides))
    except PresetError as error:
        raise ValidationError([render(e) for e in error.errors] or [str(error)]) from error
    return preset


def build_rules(preset_key: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A committee's complete rules: the preset with the instructor's changes, validated."""
    return preset_to_dict(_load_preset(preset_key, overrides))


def clean_agenda(agenda: Iterable[str]) -> list[str]:
    topics = [" ".join(topic.split()) for topic in agenda]
    topics = [topic for topic in topics if topic]
    if any(len(topic) > 200 for topic in topics):
        raise ValidationError(gettext("Agenda topics are limited to 200 characters each."))
    return [
        _staff_text(topic, what=gettext("An agenda topic"), max_length=200, multiline=False)
        for topic in topics
    ]


def committee_create(
    *,
    simulation: Simulation,
    by: User,
    name: str,
    preset_key: str,
    body: str = "",
    agenda: Iterable[str] = (),
    rules_overrides: Mapping[str, Any] | None = None,
) -> Committee:
    policy.require(by, "committee.manage", simulation)
    name = _required_name(name, "committee")
    rules = build_rules(preset_key, rules_overrides)
    if Committee.objects.filter(simulation=simulation, name=name).exists():
        raise ValidationError(_DUPLICATE_COMMITTEE.format(name=name), code="duplicate")
    position = Committee.objects.filter(simulation=simulation).count()
    try:
        with transaction.atomic():
            return Committee.objects.create(
                simulation=simulation,
                name=name,
                body=_staff_text(
                    body[:200], what=gettext("The body"), max_length=200, multiline=False
                ),
                preset_key=preset_key,
                rules=rules,
                agenda=clean_agenda(agenda),
                position=position,
            )
    except IntegrityError:
        raise ValidationError(_DUPLICATE_COMMITTEE.format(name=name), code="duplicate") from None


def committee_update(
    *,
    committee: Committee,
    by: User,
    name: str,
    body: str,
    agenda: Iterable[str],
    preset_key: str | None = None,
) -> Committee:
    """Edit a committee at any time, also after the simulation started. Changing the preset
    replaces the rules with the new preset's; refused (422, nothing saved) when the sitting
    in progress could not go on under them (`rules_change_errors`, as in the rules editor).
    The committee row is locked while the sitting is checked and the rules replaced."""
    policy.require(by, "committee.manage", committee)
    name = _required_name(name, "committee")
    if (
        Committee.objects.filter(simulation_id=committee.simulation_id, name=name)
        .exclude(pk=committee.pk)
        .exists()
    ):
        raise ValidationError(_DUPLICATE_COMMITTEE.format(name=name), code="duplicate")
    clean_body = _staff_text(body[:200], what=gettext("The body"), max_length=200, multiline=False)
    topics = clean_agenda(agenda)
    new_preset = None
    if preset_key and preset_key != committee.preset_key:
        new_preset = _load_preset(preset_key)
    try:
        with transaction.atomic():
            locked = Committee.objects.select_for_update().get(pk=committee.pk)
            locked.name, locked.body, locked.agenda = name, clean_body, topics
            if new_preset is not None and preset_key != locked.preset_key:
                rules = preset_to_dict(new_preset)
                if (rules.get("mediation") or {}) != locked.mediation:
                    # The mediation mode comes with the preset: the instructor's call alone,
                    # whoever else may one day manage committees.
                    policy.require(by, "committee.set_mediation", locked)
                problems = rules_change_errors(committee=locked, rules=new_preset)
                if problems:
                    raise ValidationError([ValidationError(p, code="rules") for p in problems])
                locked.rules = rules
                locked.preset_key = new_preset.key
            locked.save()
    except IntegrityError:  # renamed to the same name at the same moment by someone else
        raise ValidationError(_DUPLICATE_COMMITTEE.format(name=name), code="duplicate") from None
    return locked


def committee_delete(*, committee: Committee, by: User) -> None:
    """Remove a committee and its delegations; their students stay in the simulation,
    unseated, and their open sockets are told at once."""
    policy.require(by, "committee.manage", committee)
    with transaction.atomic():
        affected = list(
            Membership.objects.filter(delegation__committee=committee).values_list(
                "user_id", flat=True
            )
        )
        simulation_id = committee.simulation_id
        committee.delete()
        for user_id in affected:
            notify_access_changed_on_commit(user_id=user_id, simulation_id=simulation_id)


# --- delegations ------------------------------------------------------------------------------


def _required_name(raw: str, kind: Literal["committee", "delegation"]) -> str:
    missing, too_long, what = _NAME_MESSAGES[kind]
    name = " ".join(raw.split())
    if not name:
        raise ValidationError(missing, code="name")
    if len(name) > 120:
        raise ValidationError(too_long, code="name")
    return clean_text(name, what=str(what), max_length=120, multiline=False)


def _staff_text(raw: str, *, what: str, max_length: int, multiline: bool = True) -> str:
    """Text the instructor writes for students to read (titles, briefs, agendas): held to
    the same characters as what students write (apps/core/inputs.py)."""
    return clean_text(raw, what=what, max_length=max_length, multiline=multiline)


def clean_delegation(
    *,
    name: str,
    kind: str,
    country_code: str,
    fictional: bool,
    seats: int,
    rights_overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """Validate a delegation's fields; every problem is reported in one clear list."""
    errors: list[str] = []
    try:
        name = _required_name(name, "delegation")
    except ValidationError as error:
        errors.extend(error.messages)
    try:
        actor_kind = ActorKind(kind)
    except ValueError:
        errors.append(gettext("Choose what kind of actor the delegation is."))
        actor_kind = None
    code = country_code.strip().upper()
    if actor_kind is not None and actor_kind.is_state and not fictional and not code:
        errors.append(
            gettext("A {kind} needs its country (ISO code), or mark it fictional.").format(
                kind=gettext(actor_kind.label).lower()
            )
        )
    if code and not is_known_country(code):
        errors.append(gettext("{code} is not an ISO 3166 country code.").format(code=code))
    if code and actor_kind is not None and not actor_kind.is_state:
        errors.append(gettext("Only states have a country code."))
    if not 1 <= seats <= 3:
        errors.append(gettext("A delegation has 1 to 3 seats."))
    try:
        overrides = {
            right.value: granted for right, granted in parse_overrides(rights_overrides).items()
        }
    except ValueError as error:
        errors.append(str(error))
        overrides = {}
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "kind": kind,
        "country_code": code,
        "fictional": fictional,
        "seats": seats,
        "rights_overrides": overrides,
    }


def delegation_create(
    *,
    committee: Committee,
    by: User,
    name: str,
    kind: str,
    country_code: str = "",
    fictional: bool = False,
    seats: int = 2,
    brief: str = "",
    rights_overrides: Mapping[str, Any] | None = None,
) -> Delegation:
    policy.require(by, "delegation.manage", committee)
    fields = clean_delegation(
        name=name,
        kind=kind,
        country_code=country_code,
        fictional=fictional,
        seats=seats,
        rights_overrides=rights_overrides or {},
    )
    if Delegation.objects.filter(committee=committee, name=fields["name"]).exists():
        raise ValidationError(
            _DUPLICATE_IN.format(committee=committee.name, name=fields["name"]), code="duplicate"
        )
    position = Delegation.objects.filter(committee=committee).count()
    try:
        with transaction.atomic():
            return Delegation.objects.create(
                committee=committee,
                brief=_staff_text(brief, what=gettext("The brief"), max_length=BRIEF_MAX),
                position=position,
                **fields,
            )
    except IntegrityError:  # the same name added at the same moment by someone else
        raise ValidationError(
            _DUPLICATE_IN.format(committee=committee.name, name=fields["name"]), code="duplicate"
        ) from None


def delegation_update(
    *,
    delegation: Delegation,
    by: User,
    name: str,
    kind: str,
    country_code: str,
    fictional: bool,
    seats: int,
    brief: str,
    rights_overrides: Mapping[str, Any],
) -> Delegation:
    """Edit a delegation, also after the start. Fewer seats than students seated is refused."""
    policy.require(by, "delegation.manage", delegation)
    fields = clean_delegation(
        name=name,
        kind=kind,
        country_code=country_code,
        fictional=fictional,
        seats=seats,
        rights_overrides=rights_overrides,
    )
    with transaction.atomic():
        # Locked so a student taking a seat meanwhile cannot overfill the new number.
        locked = Delegation.objects.select_for_update().get(pk=delegation.pk)
        seated = Membership.objects.filter(delegation=locked).count()
        if fields["seats"] < seated:
            raise ValidationError(
                gettext(
                    "{seated} students sit in this delegation: move one before reducing the "
                    "seats to {seats}."
                ).format(seated=seated, seats=fields["seats"]),
                code="seats",
            )
        if (
            Delegation.objects.filter(committee_id=locked.committee_id, name=fields["name"])
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise ValidationError(
                _DUPLICATE_DELEGATION.format(name=fields["name"]), code="duplicate"
            )
        rights_moved = (locked.kind, locked.rights_overrides) != (
            fields["kind"],
            fields["rights_overrides"],
        )
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.brief = _staff_text(brief, what=gettext("The brief"), max_length=BRIEF_MAX)
        locked.save()
        if rights_moved:
            # Open sockets joined groups by the old rights (the floor's actions and ballots
            # go to a group per set of rights): they reconnect and join by the new ones.
            simulation_id = Committee.objects.values_list("simulation_id", flat=True).get(
                pk=locked.committee_id
            )
            for user_id in Membership.objects.filter(delegation=locked).values_list(
                "user_id", flat=True
            ):
                notify_access_changed_on_commit(user_id=user_id, simulation_id=simulation_id)
    return locked


def delegation_delete(*, delegation: Delegation, by: User) -> None:
    policy.require(by, "delegation.manage", delegation)
    with transaction.atomic():
        affected = list(
            Membership.objects.filter(delegation=delegation).values_list("user_id", flat=True)
        )
        simulation_id = delegation.committee.simulation_id
        delegation.delete()
        for user_id in affected:
            notify_access_changed_on_commit(user_id=user_id, simulation_id=simulation_id)


# --- seats --------------------------------------------------------------------------------------


def seat_take(*, simulation: Simulation, by: User, delegation_id: int) -> Membership:
    """A student takes a free seat. Two students racing for the last seat: exactly one gets it.

    The delegation row is locked (`select_for_update`) while seats are counted and the
    membership updated, so the count cannot change between the check and the write.
    """
    with transaction.atomic():
        delegation = (
            Delegation.objects.select_for_update()
            .select_related("committee")
            .filter(pk=delegation_id, committee__simulation=simulation)
            .first()
        )
        if delegation is None:
            raise ValidationError(gettext("That delegation does not exist in this simulation."))
        membership = (
            Membership.objects.select_for_update().filter(simulation=simulation, user=by).first()
        )
        if membership is None:
            raise PermissionDenied(gettext("Join the simulation first."))
        if membership.delegation_id is not None:
            raise ValidationError(
                gettext("You already have a seat: ask your instructor to move you.")
            )
        policy.forget(by)
        if not simulation.is_open:
            raise ValidationError(gettext("This simulation is closed: ask your instructor."))
        seated = Membership.objects.filter(delegation=delegation).count()
        if seated >= delegation.seats:
            raise ValidationError(
                gettext("{name} is full: choose another delegation.").format(name=delegation.name)
            )
        delegation.seated = seated  # type: ignore[attr-defined]
        policy.require(by, "seat.take", delegation)
        membership.delegation = delegation
        membership.save(update_fields=["delegation"])
    policy.forget(by)
    return membership


def seat_assign(
    *, simulation: Simulation, by: User, membership_id: int, delegation_id: int | None
) -> Membership:
    """Seat, move or (with `delegation_id=None`) unseat a student. Staff only. Their open
    sockets are told after commit, so they stop receiving the old delegation's channels."""
    policy.require(by, "seat.assign", simulation)
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(pk=membership_id, simulation=simulation)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise ValidationError(gettext("That participant is not in this simulation."))
        if delegation_id is not None and membership.user_id == simulation.owner_id:
            raise ValidationError(gettext("The simulation's owner stays its instructor."))
        if delegation_id is not None:
            delegation = (
                Delegation.objects.select_for_update()
                .filter(pk=delegation_id, committee__simulation=simulation)
                .first()
            )
            if delegation is None:
                raise ValidationError(gettext("That delegation does not exist in this simulation."))
            if membership.delegation_id != delegation.pk:
                seated = Membership.objects.filter(delegation=delegation).count()
                if seated >= delegation.seats:
                    raise ValidationError(
                        gettext(
                            "{name} is full ({seats} seats): add a seat or move someone first."
                        ).format(name=delegation.name, seats=delegation.seats)
                    )
            if membership.role != Membership.Role.DELEGATE:
                membership.role = Membership.Role.DELEGATE
        changed = membership.delegation_id != delegation_id
        membership.delegation_id = delegation_id
        membership.save(update_fields=["delegation", "role"])
        if changed:
            notify_access_changed_on_commit(user_id=membership.user_id, simulation_id=simulation.pk)
    policy.forget(membership.user)
    return membership


def member_set_role(
    *,
    simulation: Simulation,
    by: User,
    membership_id: int,
    role: str,
    committee_id: int | None = None,
) -> Membership:
    """Make a participant a chair, mediator, observer, co-instructor... (staff only)."""
    policy.require(by, "seat.assign", simulation)
    if role not in Membership.Role.values or role == Membership.Role.INSTRUCTOR:
        raise ValidationError(gettext("Choose a role."))
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(pk=membership_id, simulation=simulation)
            .first()
        )
        if membership is None:
            raise ValidationError(gettext("That participant is not in this simulation."))
        if membership.user_id == simulation.owner_id:
            raise ValidationError(gettext("The simulation's owner stays its instructor."))
        if (
            committee_id is not None
            and not Committee.objects.filter(pk=committee_id, simulation=simulation).exists()
        ):
            raise ValidationError(gettext("That committee does not exist in this simulation."))
        membership.role = role
        membership.committee_id = committee_id
        if role != Membership.Role.DELEGATE:
            membership.delegation = None
        membership.save(update_fields=["role", "committee", "delegation"])
        notify_access_changed_on_commit(user_id=membership.user_id, simulation_id=simulation.pk)
    return membership


def notify_access_changed_on_commit(*, user_id: int, simulation_id: int) -> None:
    send_on_commit(
        group_for_user(user_id), {"type": "access.changed", "simulation_id": simulation_id}
    )


# --- settings and scenarios -------------------------------------------------------------------


def simulation_update(
    *,
    simulation: Simulation,
    by: User,
    title: str,
    description: str,
    status: str,
    staff_can_read_private_channels: bool,
    join_limit: int | None = None,
) -> Simulation:
    policy.require(by, "simulation.manage", simulation)
    title = _staff_text(title, what=gettext("The title"), max_length=200, multiline=False)
    description = _staff_text(
        description, what=gettext("The description"), max_length=DESCRIPTION_MAX
    )
    if not title:
        raise ValidationError(gettext("Give the simulation a title."))
    if status not in Simulation.Status.values:
        raise ValidationError(gettext("Choose whether students can join."))
    if join_limit is not None and not 0 <= join_limit <= MAX_JOIN_LIMIT:
        raise ValidationError(
            gettext("Between 0 and {limit} people can join with the code.").format(
                limit=MAX_JOIN_LIMIT
            )
        )
    if join_limit is not None:
        simulation.join_limit = join_limit
    simulation.title = title
    simulation.description = description
    simulation.status = status
    staff_reading_moved = (
        simulation.staff_can_read_private_channels != staff_can_read_private_channels
    )
    simulation.staff_can_read_private_channels = staff_can_read_private_channels
    simulation.save()
    if staff_reading_moved:
        # Open sockets learn it on commit: staff drop the private channels at once.
        staff_reading_changed_on_commit(
            simulation_id=simulation.pk, staff_may_read=staff_can_read_private_channels
        )
    return simulation


def simulation_from_scenario(*, owner: User, slug: str, title: str = "") -> Simulation:
    """Create a simulation from a shipped scenario template: committees with their rules,
    agenda and delegations with briefs, all in one transaction (all or nothing)."""
    try:
        spec = load_scenario(slug)
    except ScenarioError as error:
        raise ValidationError(list(getattr(error, "errors", None) or [str(error)])) from error
    with transaction.atomic():
        simulation = simulation_create(
            owner=owner, title=title or spec.title, description=spec.description
        )
        simulation.scenario_slug = spec.slug
        simulation.staff_can_read_private_channels = spec.setting("staff_can_read_private_channels")
        simulation.save(update_fields=["scenario_slug", "staff_can_read_private_channels"])
        scenario_committees_create(simulation=simulation, spec=spec)
    return simulation


def scenario_committees_create(*, simulation: Simulation, spec: ScenarioSpec) -> None:
    """Add a scenario's committees, with their rules, agenda and delegations (briefs
    included), to `simulation`: the caller's transaction makes it all or nothing."""
    first = Committee.objects.filter(simulation=simulation).count()
    for position, committee_spec in enumerate(spec.committees, start=first):
        overrides: dict[str, Any] = {}
        if committee_spec.mediation_mode:
            overrides["mediation"] = {
                "mode": committee_spec.mediation_mode,
                "proximity": committee_spec.proximity,
            }
        committee = Committee.objects.create(
            simulation=simulation,
            name=committee_spec.name,
            body=committee_spec.body,
            preset_key=committee_spec.preset,
            rules=build_rules(committee_spec.preset, overrides),
            agenda=list(committee_spec.agenda),
            position=position,
        )
        Delegation.objects.bulk_create(
            Delegation(
                committee=committee,
                name=d.name,
                kind=d.kind.value if d.kind else "",
                country_code=d.country or "",
                fictional=d.fictional,
                seats=d.seats,
                rights_overrides=dict(d.rights),
                brief=d.brief,
                position=i,
            )
            for i, d in enumerate(committee_spec.delegations)
        )
