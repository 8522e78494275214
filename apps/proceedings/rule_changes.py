"""One home for the rule that a change of a committee's rules must not strand its sitting.

Two paths replace a committee's rules: the rules editor (`rules.committee_rules_update`,
overrides of the current preset) and the committee form (`delegations.services.
committee_update`, another preset). Both ask `rules_change_errors` under the committee's row
lock, so a sitting in progress is never left in a phase the new rules lack.
"""

from __future__ import annotations

from apps.core.i18n import render
from apps.delegations.models import Committee
from apps.proceedings.domain.machine import state_errors
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.presets import Preset
from apps.proceedings.models import Session


def open_session(committee: Committee) -> Session | None:
    """The committee's sitting in progress (started, not adjourned), if any."""
    return (
        Session.objects.filter(committee=committee)
        .exclude(phase__in=[Phase.ADJOURNED.value, Phase.NOT_STARTED.value])
        .first()
    )


def rules_change_errors(*, committee: Committee, rules: Preset) -> list[str]:
    """Why the committee's sitting in progress could not go on under `rules`, in the user's
    language; [] when it can (or when no sitting is in progress). Call it with the committee's
    row locked."""
    session = open_session(committee)
    if session is None:
        return []
    return [render(error) for error in state_errors(rules, session.machine)]
