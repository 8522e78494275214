from __future__ import annotations

from typing import Any

from django import forms

from apps.delegations.domain.actors import ActorKind, Right
from apps.delegations.models import MAX_JOIN_LIMIT, Membership, Simulation
from apps.proceedings.domain.presets import list_presets


def preset_choices() -> list[tuple[str, str]]:
    return [(preset.key, preset.name) for preset in list_presets()]


class SimulationForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ScenarioForm(forms.Form):
    scenario = forms.CharField(label="Scenario")
    title = forms.CharField(label="Title (optional)", max_length=200, required=False)


class SimulationSettingsForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={
            "required": "Give the simulation a title.",
            "max_length": "A title is limited to 200 characters.",
        },
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.ChoiceField(label="Joining", choices=Simulation.Status.choices)
    staff_can_read_private_channels = forms.BooleanField(
        label="Instructors may read private channels (every member is told)",
        required=False,
    )
    join_limit = forms.IntegerField(
        label="How many people may join with the code (0 closes joining)",
        min_value=0,
        max_value=MAX_JOIN_LIMIT,
        required=False,  # left out: unchanged
        error_messages={
            key: f"The number who may join is a whole number from 0 to {MAX_JOIN_LIMIT}."
            for key in ("invalid", "min_value", "max_value")
        },
    )


class CommitteeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    body = forms.CharField(label="Body it models", max_length=200, required=False)
    preset_key = forms.ChoiceField(label="Rules of procedure", choices=preset_choices)
    agenda = forms.CharField(
        label="Agenda (one topic per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def agenda_topics(self) -> list[str]:
        return str(self.cleaned_data.get("agenda") or "").splitlines()


RIGHT_CHOICES = [("default", "Default"), ("grant", "Granted"), ("deny", "Denied")]


SEATS_ERROR = "A delegation has 1 to 3 seats."


class DelegationForm(forms.Form):
    # Errors are shown away from their field (flashed, or above the form): each says what
    # it is about, in the service's words.
    name = forms.CharField(
        label="Name",
        max_length=120,
        error_messages={
            "required": "Give the delegation a name.",
            "max_length": "A delegation name is limited to 120 characters.",
        },
    )
    kind = forms.ChoiceField(
        label="Actor kind",
        choices=[(k.value, k.label) for k in ActorKind],
        error_messages={
            "required": "Choose what kind of actor the delegation is.",
            "invalid_choice": "Choose what kind of actor the delegation is.",
        },
    )
    country_code = forms.CharField(
        label="Country code (ISO, states only)",
        max_length=2,
        required=False,
        error_messages={"max_length": "A country code has two letters (ISO 3166), e.g. GH."},
    )
    fictional = forms.BooleanField(label="Fictional state (no country code)", required=False)
    seats = forms.IntegerField(
        label="Seats",
        min_value=1,
        max_value=3,
        initial=2,
        error_messages={
            key: SEATS_ERROR for key in ("required", "invalid", "min_value", "max_value")
        },
    )
    brief = forms.CharField(
        label="Confidential brief", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for right in Right:
            self.fields[f"right_{right.value}"] = forms.ChoiceField(
                label=right.label, choices=RIGHT_CHOICES, initial="default", required=False
            )

    def right_fields(self) -> list[forms.BoundField]:
        return [self[f"right_{right.value}"] for right in Right]

    def overrides(self) -> dict[str, bool]:
        result: dict[str, bool] = {}
        for right in Right:
            choice = self.cleaned_data.get(f"right_{right.value}") or "default"
            if choice != "default":
                result[right.value] = choice == "grant"
        return result

    @staticmethod
    def initial_for(delegation: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": delegation.name,
            "kind": delegation.kind,
            "country_code": delegation.country_code,
            "fictional": delegation.fictional,
            "seats": delegation.seats,
            "brief": delegation.brief,
        }
        for right in Right:
            value = (delegation.rights_overrides or {}).get(right.value)
            data[f"right_{right.value}"] = (
                "default" if value is None else ("grant" if value else "deny")
            )
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=[c for c in Membership.Role.choices if c[0] != Membership.Role.INSTRUCTOR],
    )
