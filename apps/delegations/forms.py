from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.delegations.domain.actors import ActorKind, Right
from apps.delegations.models import MAX_JOIN_LIMIT, Membership, Simulation
from apps.proceedings.domain.presets import list_presets


def preset_choices() -> list[tuple[str, str]]:
    return [(preset.key, preset.name) for preset in list_presets()]


class SimulationForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={
            "required": _("Give the simulation a title."),
            "max_length": _("A title is limited to 200 characters."),
        },
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ScenarioForm(forms.Form):
    scenario = forms.CharField(label=_("Scenario"))
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)


class SimulationSettingsForm(SimulationForm):
    """The simulation's title and description, and how students join and what staff read."""

    status = forms.ChoiceField(label=_("Joining"), choices=Simulation.Status.choices)
    staff_can_read_private_channels = forms.BooleanField(
        label=_("Instructors may read private channels (every member is told)"),
        required=False,
    )
    join_limit = forms.IntegerField(
        label=_("How many people may join with the code (0 closes joining)"),
        min_value=0,
        max_value=MAX_JOIN_LIMIT,
        required=False,  # left out: unchanged
        error_messages={
            key: format_lazy(
                _("The number who may join is a whole number from 0 to {limit}."),
                limit=MAX_JOIN_LIMIT,
            )
            for key in ("invalid", "min_value", "max_value")
        },
    )


class CommitteeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    body = forms.CharField(label=_("Body it models"), max_length=200, required=False)
    preset_key = forms.ChoiceField(label=_("Rules of procedure"), choices=preset_choices)
    agenda = forms.CharField(
        label=_("Agenda (one topic per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def agenda_topics(self) -> list[str]:
        return str(self.cleaned_data.get("agenda") or "").splitlines()


RIGHT_CHOICES = [("default", _("Default")), ("grant", _("Granted")), ("deny", _("Denied"))]


SEATS_ERROR = _("A delegation has 1 to 3 seats.")


class DelegationForm(forms.Form):
    # Errors are shown away from their field (flashed, or above the form): each says what
    # it is about, in the service's words.
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        error_messages={
            "required": _("Give the delegation a name."),
            "max_length": _("A delegation name is limited to 120 characters."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Actor kind"),
        choices=[(k.value, gettext_lazy(k.label)) for k in ActorKind],
        error_messages={
            "required": _("Choose what kind of actor the delegation is."),
            "invalid_choice": _("Choose what kind of actor the delegation is."),
        },
    )
    country_code = forms.CharField(
        label=_("Country code (ISO, states only)"),
        max_length=2,
        required=False,
        error_messages={"max_length": _("A country code has two letters (ISO 3166), e.g. GH.")},
    )
    fictional = forms.BooleanField(label=_("Fictional state (no country code)"), required=False)
    seats = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=3,
        initial=2,
        error_messages={
            key: SEATS_ERROR for key in ("required", "invalid", "min_value", "max_value")
        },
    )
    brief = forms.CharField(
        label=_("Confidential brief"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for right in Right:
            self.fields[f"right_{right.value}"] = forms.ChoiceField(
                label=gettext_lazy(right.label),
                choices=RIGHT_CHOICES,
                initial="default",
                required=False,
            )

    def right_fields(self) -> list[forms.BoundField]:
        return [self[f"right_{right.value}"] for right in Right]

    def delegation_fields(self) -> dict[str, Any]:
        """The cleaned form as the delegation services take it (create and update alike)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "country_code": data["country_code"],
            "fictional": data["fictional"],
            "seats": data["seats"],
            "brief": data["brief"],
            "rights_overrides": self.overrides(),
        }

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
        label=_("Role"),
        choices=[c for c in Membership.Role.choices if c[0] != Membership.Role.INSTRUCTOR],
    )
