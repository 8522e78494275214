"""Changing a committee's rules of procedure, before or during a session.

Every threshold and option of the preset can be changed per committee by its staff (or the
chair): the form's fields and the advanced JSON both become overrides merged into the
committee's stored rules by the pure `preset_with_overrides`, validated there, and checked
against the state of an open session (a session must not be left in a phase the new rules
do not have). A change during a session is recorded in its event log.

The mediation settings (mode, proximity talks, powers) are the instructor's alone: a chair
or mediator may change every other rule, but a change that touches them is refused.
Everything a client sends is bounded before it is read: the advanced JSON's size, depth and
numbers here, every threshold in the pure parser (`parse_fraction`).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext, gettext_lazy

from apps.accounts.models import User
from apps.core import policy
from apps.core.i18n import render
from apps.core.inputs import BadInput, clean_text, parse_int
from apps.delegations.models import Committee
from apps.proceedings.domain.majority import MajorityRule, PlacardVisibility
from apps.proceedings.domain.motions import VoteRule
from apps.proceedings.domain.presets import (
    Preset,
    PresetError,
    preset_from_dict,
    preset_to_dict,
    preset_with_overrides,
)
from apps.proceedings.domain.speakers import YieldKind
from apps.proceedings.domain.timers import MAX_TIMER_DAYS, MAX_TIMER_S
from apps.proceedings.event_kinds import RulesChanged
from apps.proceedings.journal import event_append
from apps.proceedings.rule_changes import open_session, rules_change_errors

MAJORITY_CHOICES = [(m.value, gettext_lazy(m.label)) for m in MajorityRule]
VOTE_CHOICES = [(v.value, v.value.replace("_", " ")) for v in VoteRule]
YIELD_CHOICES = [y.value for y in YieldKind]
PLACARD_CHOICES = [(p.value, gettext_lazy(p.label)) for p in PlacardVisibility]

# No timer in the rules runs longer than a week (a suspension between rounds of talks).
MAX_RULE_SECONDS = MAX_TIMER_S
# The whole rule book as JSON is about 15,000 characters; four times that is plenty.
MAX_ADVANCED_CHARS = 64_000
# How many reasons a refusal lists (a hostile JSON could have thousands).
MAX_REASONS = 12
# Numbers in the advanced JSON: plain, short, without exponents (JSON's own grammar, bounded).
_JSON_INT = re.compile(r"-?\d{1,9}", re.ASCII)
_JSON_FLOAT = re.compile(r"-?\d{1,9}\.\d{1,6}", re.ASCII)
_MINUTES = re.compile(r"\d{1,5}(?:[.,]\d{1,2})?", re.ASCII)


class _Refused(ValueError):
    """A number or constant in the advanced JSON that is refused before it is built."""


def _json_constant(name: str) -> Any:
    raise _Refused(
        gettext("the advanced rules cannot hold {name}: give an ordinary number.").format(name=name)
    )


def _json_int(text: str) -> int:
    if not _JSON_INT.fullmatch(text):
        raise _Refused(gettext("numbers in the advanced rules have at most 9 digits."))
    return int(text)


def _json_float(text: str) -> float:
    if not _JSON_FLOAT.fullmatch(text):
        raise _Refused(
            gettext(
                "numbers in the advanced rules are plain decimals such as 0.5 "
                "(at most 9 digits before the point and 6 after, no exponent)."
            )
        )
    return float(text)


def _advanced(raw: str) -> dict[str, Any]:
    if len(raw) > MAX_ADVANCED_CHARS:
        raise ValidationError(
            gettext(
                "The advanced rules are limited to {limit} characters (these have {length})."
            ).format(limit=f"{MAX_ADVANCED_CHARS:,}", length=f"{len(raw):,}")
        )
    try:
        value = json.loads(
            raw, parse_constant=_json_constant, parse_int=_json_int, parse_float=_json_float
        )
    except _Refused as error:
        raise ValidationError(
            gettext("The advanced rules were refused: {reason}").format(reason=error)
        ) from None
    except json.JSONDecodeError as error:
        raise ValidationError(
            gettext("The advanced rules are not valid JSON: {reason} (line {line}).").format(
                reason=error.msg, line=error.lineno
            )
        ) from None
    except RecursionError:
        raise ValidationError(gettext("The advanced rules are nested too deeply.")) from None
    if not isinstance(value, dict):
        raise ValidationError(gettext("The advanced rules must be a JSON object."))
    # Text everyone reads on the rules page.
    for key, limit in (("name", 120), ("description", 1_000)):
        if isinstance(value.get(key), str):
            value[key] = clean_text(
                value[key],
                what=gettext("The rules' name")
                if key == "name"
                else gettext("The rules' description"),
                max_length=limit,
                multiline=key != "name",
            )
    return value


def _seconds(data: QueryDict, key: str, what: str) -> int | None:
    raw = (data.get(key) or "").strip()
    if raw == "":
        return None
    return parse_int(raw, what=what, minimum=0, maximum=MAX_RULE_SECONDS)


def _minutes(data: QueryDict, key: str, what: str) -> int | None:
    """Minutes as the form asks them (10, 1.5 or 1,5), in seconds; bounded before reading."""
    raw = (data.get(key) or "").strip()
    if raw == "":
        return None
    if not _MINUTES.fullmatch(raw):
        raise BadInput(
            gettext("{what} must be a number of minutes, such as 10 or 1.5.").format(what=what)
        )
    seconds = round(Decimal(raw.replace(",", ".")) * 60)
    if seconds > MAX_RULE_SECONDS:
        raise BadInput(
            gettext("{what} must be at most {days} days.").format(what=what, days=MAX_TIMER_DAYS)
        )
    return seconds


def current_rules(committee: Committee) -> dict[str, Any]:
    """The committee's rules, complete (defaults filled in), as the editor shows them."""
    try:
        return preset_to_dict(preset_from_dict(committee.rules))
    except PresetError:
        return dict(committee.rules) if isinstance(committee.rules, dict) else {}


def overrides_from_form(current: dict[str, Any], data: QueryDict) -> dict[str, Any]:
    """The changes the rules form asks for, as overrides in `preset_to_dict`'s shape.
    Raises BadInput for a number that cannot be read, ValidationError for refused content."""
    if (data.get("advanced") or "").strip():
        return _advanced(str(data.get("advanced")))
    speakers: dict[str, Any] = {
        "one_entry_per_delegation": data.get("one_entry_per_delegation") == "on",
        "yields": [y for y in YIELD_CHOICES if data.get(f"yield_{y}") == "on"],
    }
    seconds = _seconds(data, "default_speaking_time_s", "The default speaking time (seconds)")
    if seconds is not None:
        speakers["default_speaking_time_s"] = seconds
    voting: dict[str, Any] = {
        "abstentions_allowed": data.get("abstentions_allowed") == "on",
        "veto": data.get("veto") == "on",
    }
    for key in ("procedural", "substantive", "placards_visible"):
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
                what = (
                    gettext("The minimum duration of the {motion}")
                    if bound == "min"
                    else gettext("The maximum duration of the {motion}")
                ).format(motion=kind.replace("_", " "))
                change[f"{bound}_duration_s"] = _minutes(data, field, what)
        motions[kind] = change
    return {"speakers": speakers, "voting": voting, "motions": motions}


def committee_rules_update(
    *, committee: Committee, by: User, overrides: dict[str, Any]
) -> Committee:
    """Apply overrides to the committee's rules. Refused with every reason when the result
    is not a valid set of rules, or would strand the open session; refused (403) when it
    changes the mediation settings and `by` is not the instructor."""
    policy.require(by, "session.chair", committee)
    try:
        current = preset_from_dict(committee.rules)
        updated = preset_with_overrides(current, overrides, source=committee.name)
    except PresetError as error:
        reasons = [render(reason) for reason in error.errors] or [str(error)]
        if len(reasons) > MAX_REASONS:
            more = len(reasons) - MAX_REASONS
            reasons = [
                *reasons[:MAX_REASONS],
                gettext("…and {count} more problems.").format(count=more),
            ]
        raise ValidationError(reasons) from error
    with transaction.atomic():
        # Locked: what the mediation check compares is what this change replaces.
        locked = Committee.objects.select_for_update().get(pk=committee.pk)
        _require_mediation_right(by, locked, updated)
        problems = rules_change_errors(committee=locked, rules=updated)
        if problems:
            raise ValidationError(problems)
        session = open_session(locked)
        locked.rules = preset_to_dict(updated)
        locked.save(update_fields=["rules"])
        if session is not None:
            event_append(session=session, payload=RulesChanged(), actor=by)
    return locked


MEDIATION_REFUSED = gettext_lazy(
    "Only the instructor may change the mediation mode, proximity talks or the mediator's "
    "powers. Your other changes were not saved either: leave the mediation settings as they "
    "are and save again."
)


def _require_mediation_right(by: User, committee: Committee, updated: Preset) -> None:
    """A mediator must not widen their own powers (nor a chair a mediator's): any change to
    the mediation settings, whichever path it takes, needs `committee.set_mediation`."""
    before = preset_to_dict(preset_from_dict(committee.rules))["mediation"]
    after = preset_to_dict(updated)["mediation"]
    if before != after and not policy.can(by, "committee.set_mediation", committee):
        raise PermissionDenied(MEDIATION_REFUSED)
