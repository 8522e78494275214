from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from apps.core import policy
from apps.core.http import AuthedRequest
from apps.core.inputs import BadInput
from apps.delegations.models import Committee
from apps.proceedings import rules


@login_required
def committee_rules(request: AuthedRequest, simulation_id: int, committee_id: int) -> HttpResponse:
    """Every threshold and option of the committee's rules, editable before and during a session."""
    committee = get_object_or_404(
        Committee.objects.select_related("simulation"), pk=committee_id, simulation_id=simulation_id
    )
    policy.require(request.user, "committee.view", committee)
    may_edit = policy.can(request.user, "session.chair", committee)
    status = 200
    if request.method == "POST":
        policy.require(request.user, "session.chair", committee)
        try:
            overrides = rules.overrides_from_form(committee.rules, request.POST)
            rules.committee_rules_update(committee=committee, by=request.user, overrides=overrides)
        except BadInput as error:  # a number that cannot be read: said beside the form
            messages.error(request, str(error))
            status = 400
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            status = 422
        else:
            messages.success(request, "Rules saved.")
            return redirect("proceedings:rules", simulation_id, committee_id)
    # Read through the preset, so a setting added since the rules were stored shows its
    # default (and a form saved unchanged does not change it).
    current = rules.current_rules(committee)
    return render(
        request,
        "proceedings/rules.html",
        {
            "committee": committee,
            "simulation": committee.simulation,
            "rules": current,
            "motions": sorted(
                current.get("motions", {}).items(), key=lambda item: item[1].get("precedence", 99)
            ),
            "may_edit": may_edit,
            "majority_choices": rules.MAJORITY_CHOICES,
            "vote_choices": rules.VOTE_CHOICES,
            "yield_choices": rules.YIELD_CHOICES,
            "placard_choices": rules.PLACARD_CHOICES,
            "advanced": json.dumps(current, indent=2),
        },
        status=status,
    )
