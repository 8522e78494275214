from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from apps.core import policy
from apps.core.http import AuthedRequest
from apps.delegations import selectors, services
from apps.delegations.forms import SimulationForm
from apps.delegations.models import Simulation
from apps.lobby.forms import AnnouncementForm, MessageForm
from apps.lobby.selectors import lobby_pending_announcements, lobby_recent


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    form = SimulationForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_instructor and not request.user.is_superuser:
            raise PermissionDenied("Only instructors can create simulations.")
        if form.is_valid():
            try:
                simulation = services.simulation_create(
                    owner=request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                )
                return redirect(simulation)
            except ValidationError as error:
                form.add_error(None, error)
    return render(
        request,
        "delegations/dashboard.html",
        {"simulations": selectors.simulations_for(user=request.user), "form": form},
    )


@login_required
def simulation_detail(request: AuthedRequest, simulation_id: int) -> HttpResponse:
    simulation = get_object_or_404(Simulation.objects.select_related("owner"), pk=simulation_id)
    policy.require(request.user, "simulation.view", simulation)
    is_staff = policy.can(request.user, "simulation.manage", simulation)
    context = {
        "simulation": simulation,
        "is_staff": is_staff,
        "may_post": policy.can(request.user, "lobby.post", simulation),
        "messages_list": lobby_recent(simulation_id=simulation.pk),
        "form": MessageForm(),
    }
    if is_staff:
        context["announcement_form"] = AnnouncementForm()
        context["pending"] = list(lobby_pending_announcements(simulation_id=simulation.pk))
    return render(request, "delegations/simulation.html", context)


@login_required
def join_instructions(request: AuthedRequest, simulation_id: int) -> HttpResponse:
    """The projector page: the code in huge type and a QR code that opens the join form."""
    simulation = get_object_or_404(Simulation, pk=simulation_id)
    policy.require(request.user, "simulation.manage", simulation)
    join_url = request.build_absolute_uri(
        reverse("accounts:join") + f"?code={simulation.join_code}"
    )
    qr = segno.make(join_url, error="m")
    return render(
        request,
        "delegations/join_instructions.html",
        {
            "simulation": simulation,
            "join_url": join_url,
            "qr_data_uri": qr.svg_data_uri(scale=8, dark="#111", light="#fff"),
        },
    )
