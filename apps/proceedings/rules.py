"""Changing a committee's rules of procedure, before or during a session.

Every threshold and option of the preset can be changed per committee by its staff (or the
chair): the form's fields and the advanced JSON both become overrides merged into the
committee's stored rules by the pure `preset_with_overrides`, validated there, and checked
against the state of an open session (a session must not be left in a phase the new rules
do not have). A change during a session is recorded in its event log.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict

from apps.accounts.models import User
from apps.core import policy
from apps.delegations.models import Committee
from apps.proceedings.domain.machine import state_errors
from apps.proceedings.domain.majority import MajorityRule
from apps.proceedings.domain.motions import VoteRule
from apps.proceedings.domain.presets import (
    PresetError,
    preset_from_dict,
    preset_to_dict,
    preset_with_overrides,
)
from apps.proceedings.domain.speakers import YieldKind
from apps.proceedings.models import Session

MAJORITY_CHOICES = [(m.value, m.label) for m in MajorityRule]
VOTE_CHOICES = [(v.value, v.value.replace("_", " ")) for v in VoteRule]
YIELD_CHOICES = [y.value for y in YieldKind]


def _int(data: QueryDict, key: str, *, minutes: bool = False) -> int | None:
    raw = (data.get(key) or "").strip()
    if raw == "":
        return None
    try:
        value = float(raw.replace(",", ".")) * (60 if minutes else 1)
    except ValueError:
        raise ValidationError(f"“{raw}” is not a number.") from None
    if value < 0 or value > 7 * 24 * 3600:
        raise ValidationError(f"“{raw}” is out of range.")
    return round(value)


def overrides_from_form(current: dict[str, Any], data: QueryDict) -> dict[str, Any]:
    """The changes the rules form asks for, as overrides in `preset_to_dict`'s shape."""
    if (data.get("advanced") or "").strip():
        try:
            value = json.loads(str(data.get("advanced")))
        except json.JSONDecodeError as error:
            raise ValidationError(
                f"The advanced rules are not valid JSON: {error.msg} (line {error.lineno})."
            ) from None
        if not isinstance(value, dict):
            raise ValidationError("The advanced rules must be a JSON object.")
        return value
    speakers: dict[str, Any] = {
        "one_entry_per_delegation": data.get("one_entry_per_delegation") == "on",
        "yields": [y for y in YIELD_CHOICES if data.get(f"yield_{y}") == "on"],
    }
    if (seconds := _int(data, "default_speaking_time_s")) is not None:
        speakers["default_speaking_time_s"] = seconds
    voting: dict[str, Any] = {
        "abstentions_allowed": data.get("abstentions_allowed") == "on",
        "veto": data.get("veto") == "on",
    }
    for key in ("procedural", "substantive"):
        if data.get(key):
            voting[key] = data[key]
    quorum = str(data.get("quorum") or "").strip()
    if quorum:
        voting["quorum"] = quorum
    motions: dict[str, Any] = {}
    for kind in current.get("motions", {}):
        if data.get(f"motion_{kind}_present") != "on":
            continue
        if data.get(f"motion_{kind}_enabled") != "on":
            motions[kind] = None
            continue
        change: dict[str, Any] = {}
        if data.get(f"motion_{kind}_vote"):
            change["vote"] = data[f"motion_{kind}_vote"]
        for bound in ("min", "max"):
            field = f"motion_{kind}_{bound}_min"
            if field in data:
                change[f"{bound}_duration_s"] = _int(data, field, minutes=True)
        motions[kind] = change
    return {"speakers": speakers, "voting": voting, "motions": motions}


def committee_rules_update(
    *, committee: Committee, by: User, overrides: dict[str, Any]
) -> Committee:
    """Apply overrides to the committee's rules. Refused with every reason when the result
    is not a valid set of rules, or would strand the open session."""
    policy.require(by, "session.chair", committee)
    try:
        current = preset_from_dict(committee.rules)
        updated = preset_with_overrides(current, overrides, source=committee.name)
    except PresetError as error:
        raise ValidationError(list(error.errors) or [str(error)]) from error
    from apps.proceedings.services import event_append

    with transaction.atomic():
        locked = Committee.objects.select_for_update().get(pk=committee.pk)
        session = (
            Session.objects.filter(committee=locked)
            .exclude(phase__in=["adjourned", "not_started"])
            .first()
        )
        if session is not None:
            problems = state_errors(updated, session.machine)
            if problems:
                raise ValidationError(problems)
        locked.rules = preset_to_dict(updated)
        locked.save(update_fields=["rules"])
        if session is not None:
            event_append(
                session_id=session.pk,
                kind="rules_changed",
                text="The chair changed the rules of procedure.",
                actor=by,
            )
    return locked
