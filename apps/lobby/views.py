from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from apps.core import policy
from apps.core.errors import UNPROCESSABLE, status_for
from apps.core.http import AuthedRequest
from apps.delegations.models import Simulation
from apps.lobby import services
from apps.lobby.forms import AnnouncementForm, MessageForm


@login_required
@require_POST
def post_message(request: AuthedRequest, simulation_id: int) -> HttpResponse:
    simulation = get_object_or_404(Simulation, pk=simulation_id)
    policy.require(request.user, "lobby.post", simulation)
    form = MessageForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.message_post(
                simulation=simulation, by=request.user, body=form.cleaned_data["body"]
            )
            form = MessageForm()
        except ValidationError as error:
            form.add_error("body", error)
            status = status_for(error)
    else:
        status = UNPROCESSABLE  # the form's own refusal (empty, too long)
    return render(
        request,
        "lobby/partials/message_form.html",
        {"form": form, "simulation": simulation},
        status=status,
    )


@login_required
@require_POST
def schedule_announcement(request: AuthedRequest, simulation_id: int) -> HttpResponse:
    simulation = get_object_or_404(Simulation, pk=simulation_id)
    policy.require(request.user, "lobby.announce", simulation)
    form = AnnouncementForm(request.POST)
    scheduled = None
    status = 200
    if form.is_valid():
        try:
            scheduled = services.announcement_schedule(
                simulation=simulation,
                by=request.user,
                body=form.cleaned_data["body"],
                delay=dt.timedelta(seconds=form.cleaned_data["delay_seconds"]),
            )
            form = AnnouncementForm()
        except ValidationError as error:
            form.add_error(None, error)
            status = status_for(error)
    else:
        status = UNPROCESSABLE  # the form's own refusal (empty, too long)
    return render(
        request,
        "lobby/partials/announcement_form.html",
        {"form": form, "simulation": simulation, "scheduled": scheduled},
        status=status,
    )
