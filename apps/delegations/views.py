"""Simulations, committees, delegations and seats. Thin: parse, call one service, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from apps.core import policy
from apps.core.errors import UNPROCESSABLE, status_for
from apps.core.http import AuthedRequest
from apps.core.inputs import optional_id
from apps.delegations import selectors, services
from apps.delegations.domain.actors import ActorKind
from apps.delegations.domain.scenarios import list_scenarios
from apps.delegations.forms import (
    CommitteeForm,
    DelegationForm,
    RoleForm,
    ScenarioForm,
    SimulationForm,
    SimulationSettingsForm,
)
from apps.delegations.models import Committee, Delegation, Membership, Simulation
from apps.lobby.forms import AnnouncementForm, MessageForm
from apps.lobby.selectors import lobby_pending_announcements, lobby_recent
from apps.proceedings.domain.presets import list_presets
from apps.proceedings.selectors import committee_sessions

Page = Callable[[int], HttpResponse]  # the page a form was on, answered with a status


def _flash_errors(request: AuthedRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _attempt(
    request: AuthedRequest,
    action: Callable[[], Any],
    success: str | Callable[[Any], str],
    *,
    done: Any,
    refused: Page,
) -> HttpResponse:
    """Run a service. Done: flash the success message (a function of the result when it
    names what the service cleaned, such as a name) and redirect to `done`. Refused: the page
    again, saying why, with the status of that kind of error (apps/core/errors.py)."""
    try:
        result = action()
    except ValidationError as error:
        _flash_errors(request, error)
        return refused(status_for(error))
    messages.success(request, success(result) if callable(success) else success)
    return redirect(done)


def _form_refused(request: AuthedRequest, form: forms.Form, refused: Page) -> HttpResponse:
    """A form the service never saw (a field missing or unreadable): its errors, 422."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return refused(UNPROCESSABLE)


def _simulation(request: AuthedRequest, simulation_id: int, action: str) -> Simulation:
    simulation = get_object_or_404(Simulation.objects.select_related("owner"), pk=simulation_id)
    policy.require(request.user, action, simulation)
    return simulation


def _committee(
    request: AuthedRequest, simulation_id: int, committee_id: int, action: str
) -> Committee:
    committee = get_object_or_404(
        Committee.objects.select_related("simulation"), pk=committee_id, simulation_id=simulation_id
    )
    policy.require(request.user, action, committee)
    return committee


# --- simulations ------------------------------------------------------------------------------


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    form = SimulationForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_instructor:
            raise PermissionDenied(gettext("Only instructors can create simulations."))
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
    return _dashboard_page(request, form, status=UNPROCESSABLE if form.errors else 200)


def _dashboard_page(
    request: AuthedRequest, form: SimulationForm | None = None, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "delegations/dashboard.html",
        {
            "simulations": selectors.simulations_for(user=request.user),
            "form": form or SimulationForm(),
            "scenarios": list_scenarios(),
        },
        status=status,
    )


@login_required
@require_POST
def create_from_scenario(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_instructor:
        raise PermissionDenied(gettext("Only instructors can create simulations."))
    form = ScenarioForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose a scenario."))
        return _dashboard_page(request, status=UNPROCESSABLE)
    try:
        simulation = services.simulation_from_scenario(
            owner=request.user, slug=form.cleaned_data["scenario"], title=form.cleaned_data["title"]
        )
    except ValidationError as error:
        _flash_errors(request, error)
        return _dashboard_page(request, status=status_for(error))
    messages.success(
        request,
        gettext("“{title}” is ready. Show the join code to your class.").format(
            title=simulation.title
        ),
    )
    return redirect(simulation)


@login_required
def simulation_detail(request: AuthedRequest, simulation_id: int) -> HttpResponse:
    simulation = _simulation(request, simulation_id, "simulation.view")
    return _simulation_page(request, simulation)


def _simulation_page(
    request: AuthedRequest, simulation: Simulation, status: int = 200
) -> HttpResponse:
    """The simulation's page (also what a refused form on it answers, with its status)."""
    user = request.user
    is_staff = policy.can(user, "simulation.manage", simulation)
    membership = selectors.membership_of(simulation_id=simulation.pk, user=user)
    committees = list(selectors.committees_with_delegations(simulation_id=simulation.pk))
    context: dict[str, Any] = {
        "simulation": simulation,
        "is_staff": is_staff,
        "membership": membership,
        "committees": committees,
        "may_post": policy.can(user, "lobby.post", simulation),
        "messages_list": lobby_recent(simulation_id=simulation.pk),
        "form": MessageForm(),
    }
    if (
        membership
        and membership.role == Membership.Role.DELEGATE
        and membership.delegation_id is None
    ):
        context["may_choose_seat"] = simulation.is_open
    if is_staff:
        memberships = list(selectors.memberships_of(simulation_id=simulation.pk))
        context.update(
            memberships=memberships,
            unseated_count=sum(
                1
                for m in memberships
                if m.role == Membership.Role.DELEGATE and m.delegation_id is None
            ),
            announcement_form=AnnouncementForm(),
            pending=list(lobby_pending_announcements(simulation_id=simulation.pk)),
            committee_form=CommitteeForm(),
            settings_form=SimulationSettingsForm(
                initial={
                    "title": simulation.title,
                    "description": simulation.description,
                    "status": simulation.status,
                    "staff_can_read_private_channels": simulation.staff_can_read_private_channels,
                    "join_limit": simulation.join_limit,
                }
            ),
            joined_count=sum(1 for m in memberships if m.user_id != simulation.owner_id),
            roles=[c for c in Membership.Role.choices if c[0] != Membership.Role.INSTRUCTOR],
        )
    return render(request, "delegations/simulation.html", context, status=status)


def _on_simulation_page(request: AuthedRequest, simulation: Simulation) -> Page:
    return partial(_simulation_page, request, simulation)


@login_required
@require_POST
def simulation_settings(request: AuthedRequest, simulation_id: int) -> HttpResponse:
    simulation = _simulation(request, simulation_id, "simulation.manage")
    form = SimulationSettingsForm(request.POST)
    page = _on_simulation_page(request, simulation)
    if not form.is_valid():
        return _form_refused(request, form, page)
    return _attempt(
        request,
        lambda: services.simulation_update(
            simulation=simulation, by=request.user, **form.cleaned_data
        ),
        gettext("Settings saved."),
        done=simulation,
        refused=page,
    )


@login_required
def join_instructions(request: AuthedRequest, simulation_id: int) -> HttpResponse:
    """The projector page: the code in huge type and a QR code that opens the join form."""
    simulation = _simulation(request, simulation_id, "simulation.manage")
    path = reverse("accounts:join") + f"?code={simulation.join_code}"
    # `make run` on the network passes the laptop's address: the instructor's own browser
    # may be on localhost, which no phone can reach.
    base = settings.PUBLIC_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")
    join_url = base + path
    qr = segno.make(join_url, error="m")
    return render(
        request,
        "delegations/join_instructions.html",
        {
            "simulation": simulation,
            "join_url": join_url,
            "join_host": join_url.split("://", 1)[-1].split("/", 1)[0],
            "loopback_only": not settings.PUBLIC_URL and is_loopback(request.get_host()),
            "qr_data_uri": qr.svg_data_uri(scale=8, dark="#111", light="#fff"),
        },
    )


def is_loopback(host: str) -> bool:
    """Whether `host` (a Host header: name or address, maybe with a port) is this machine."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    return name.strip("[]").lower() in {"localhost", "127.0.0.1", "::1"}


# --- committees -------------------------------------------------------------------------------


@login_required
@require_POST
def committee_create(request: AuthedRequest, simulation_id: int) -> HttpResponse:
    simulation = _simulation(request, simulation_id, "committee.manage")
    form = CommitteeForm(request.POST)
    page = _on_simulation_page(request, simulation)
    if not form.is_valid():
        messages.error(request, gettext("A committee needs a name and rules of procedure."))
        return page(UNPROCESSABLE)
    return _attempt(
        request,
        lambda: services.committee_create(
            simulation=simulation,
            by=request.user,
            name=form.cleaned_data["name"],
            body=form.cleaned_data["body"],
            preset_key=form.cleaned_data["preset_key"],
            agenda=form.agenda_topics(),
        ),
        lambda committee: gettext("Committee “{name}” added.").format(name=committee.name),
        done=simulation,
        refused=page,
    )


@login_required
def committee_detail(request: AuthedRequest, simulation_id: int, committee_id: int) -> HttpResponse:
    committee = _committee(request, simulation_id, committee_id, "committee.view")
    return _committee_page(request, committee)


def _committee_page(
    request: AuthedRequest,
    committee: Committee,
    status: int = 200,
    *,
    delegation_form: DelegationForm | None = None,
) -> HttpResponse:
    """The committee's page; with `delegation_form`, the add-a-delegation form as it was
    sent, open, saying what to fix."""
    committee = selectors.committees_with_delegations(
        simulation_id=committee.simulation_id, committee_id=committee.pk
    ).select_related("simulation")[0]
    is_staff = policy.can(request.user, "committee.manage", committee)
    context: dict[str, Any] = {
        "committee": committee,
        "simulation": committee.simulation,
        "is_staff": is_staff,
    }
    if is_staff:
        context["committee_form"] = CommitteeForm(
            initial={
                "name": committee.name,
                "body": committee.body,
                "preset_key": committee.preset_key,
                "agenda": "\n".join(committee.agenda),
            }
        )
        context["delegation_form"] = delegation_form or DelegationForm()
    context["preset_names"] = {p.key: p.name for p in list_presets()}
    context["sessions"] = committee_sessions(committee=committee)
    context["may_chair"] = policy.can(request.user, "session.chair", committee)
    return render(request, "delegations/committee.html", context, status=status)


@login_required
@require_POST
def committee_update(request: AuthedRequest, simulation_id: int, committee_id: int) -> HttpResponse:
    committee = _committee(request, simulation_id, committee_id, "committee.manage")
    form = CommitteeForm(request.POST)
    page: Page = partial(_committee_page, request, committee)
    if not form.is_valid():
        messages.error(request, gettext("A committee needs a name and rules of procedure."))
        return page(UNPROCESSABLE)
    return _attempt(
        request,
        lambda: services.committee_update(
            committee=committee,
            by=request.user,
            name=form.cleaned_data["name"],
            body=form.cleaned_data["body"],
            agenda=form.agenda_topics(),
            preset_key=form.cleaned_data["preset_key"],
        ),
        gettext("Committee saved."),
        done=committee,
        refused=page,
    )


@login_required
@require_POST
def committee_delete(request: AuthedRequest, simulation_id: int, committee_id: int) -> HttpResponse:
    committee = _committee(request, simulation_id, committee_id, "committee.manage")
    simulation = committee.simulation
    name = committee.name
    services.committee_delete(committee=committee, by=request.user)
    messages.success(
        request,
        gettext("Committee “{name}” removed; its students are unseated.").format(name=name),
    )
    return redirect(simulation)


# --- delegations ------------------------------------------------------------------------------


@login_required
@require_POST
def delegation_create(
    request: AuthedRequest, simulation_id: int, committee_id: int
) -> HttpResponse:
    """Add a delegation; a refused one shows the committee page again with the form as sent
    and what to fix (422), as editing one does."""
    committee = _committee(request, simulation_id, committee_id, "delegation.manage")
    form = DelegationForm(request.POST)
    delegation = _save_delegation(
        form,
        lambda fields: services.delegation_create(committee=committee, by=request.user, **fields),
    )
    if delegation is None:
        return _committee_page(request, committee, delegation_form=form, status=UNPROCESSABLE)
    messages.success(request, gettext("Delegation “{name}” added.").format(name=delegation.name))
    return redirect(committee)


def _save_delegation(
    form: DelegationForm, save: Callable[[dict[str, Any]], Delegation]
) -> Delegation | None:
    """Validate the form and call `save` with its fields (creating or updating a delegation):
    the delegation, or None with the refusals added to the form."""
    if not form.is_valid():
        return None
    try:
        return save(form.delegation_fields())
    except ValidationError as error:
        form.add_error(None, error)
        return None


def _delegation(
    request: AuthedRequest, simulation_id: int, delegation_id: int, action: str
) -> Delegation:
    delegation = selectors.delegation_detail(
        simulation_id=simulation_id, delegation_id=delegation_id
    )
    if delegation is None:
        raise Http404(gettext("No such delegation."))
    policy.require(request.user, action, delegation)
    return delegation


@login_required
def delegation_detail(
    request: AuthedRequest, simulation_id: int, delegation_id: int
) -> HttpResponse:
    delegation = _delegation(request, simulation_id, delegation_id, "delegation.view")
    is_staff = policy.can(request.user, "delegation.manage", delegation)
    form = DelegationForm(initial=DelegationForm.initial_for(delegation)) if is_staff else None
    status = 200
    if request.method == "POST":
        policy.require(request.user, "delegation.manage", delegation)
        form = DelegationForm(request.POST)
        saved = _save_delegation(
            form,
            lambda fields: services.delegation_update(
                delegation=delegation, by=request.user, **fields
            ),
        )
        if saved is not None:
            messages.success(request, gettext("Delegation saved."))
            return redirect(reverse("delegations:delegation", args=[simulation_id, delegation_id]))
        status = UNPROCESSABLE
    return render(
        request,
        "delegations/delegation.html",
        {
            "delegation": delegation,
            "committee": delegation.committee,
            "simulation": delegation.committee.simulation,
            "is_staff": is_staff,
            "may_read_brief": policy.can(request.user, "delegation.read_brief", delegation),
            "form": form,
            "kinds": list(ActorKind),
        },
        status=status,
    )


@login_required
@require_POST
def delegation_delete(
    request: AuthedRequest, simulation_id: int, delegation_id: int
) -> HttpResponse:
    delegation = _delegation(request, simulation_id, delegation_id, "delegation.manage")
    committee = delegation.committee
    services.delegation_delete(delegation=delegation, by=request.user)
    messages.success(request, gettext("Delegation “{name}” removed.").format(name=delegation.name))
    return redirect(committee)


@login_required
def brief(request: AuthedRequest, simulation_id: int, delegation_id: int) -> HttpResponse:
    delegation = _delegation(request, simulation_id, delegation_id, "delegation.read_brief")
    return render(
        request,
        "delegations/brief.html",
        {"delegation": delegation, "simulation": delegation.committee.simulation},
    )


# --- seats --------------------------------------------------------------------------------------


@login_required
@require_POST
def seat_take(request: AuthedRequest, simulation_id: int) -> HttpResponse:
    simulation = _simulation(request, simulation_id, "simulation.view")
    delegation_id = optional_id(request.POST.get("delegation"), what="The delegation")
    if delegation_id is None:
        messages.error(request, gettext("Choose a delegation."))
        return _simulation_page(request, simulation, UNPROCESSABLE)
    try:
        membership = services.seat_take(
            simulation=simulation, by=request.user, delegation_id=delegation_id
        )
    except ValidationError as error:
        _flash_errors(request, error)
        return _simulation_page(request, simulation, status_for(error))
    assert membership.delegation is not None  # noqa: S101 - seat_take sets it or raises
    messages.success(
        request,
        gettext("You represent {name}. Read your brief first.").format(
            name=membership.delegation.name
        ),
    )
    return redirect(simulation)


@login_required
@require_POST
def seat_assign(request: AuthedRequest, simulation_id: int, membership_id: int) -> HttpResponse:
    simulation = _simulation(request, simulation_id, "seat.assign")
    delegation_id = optional_id(request.POST.get("delegation"), what="The delegation")
    return _attempt(
        request,
        lambda: services.seat_assign(
            simulation=simulation,
            by=request.user,
            membership_id=membership_id,
            delegation_id=delegation_id,
        ),
        gettext("Seat updated.") if delegation_id else gettext("Student unseated."),
        done=_participants_url(simulation),
        refused=_on_simulation_page(request, simulation),
    )


def _participants_url(simulation: Simulation) -> str:
    return reverse("delegations:simulation", args=[simulation.pk]) + "#participants"


@login_required
@require_POST
def member_role(request: AuthedRequest, simulation_id: int, membership_id: int) -> HttpResponse:
    simulation = _simulation(request, simulation_id, "seat.assign")
    form = RoleForm(request.POST)
    committee_id = optional_id(request.POST.get("committee"), what="The committee")
    page = _on_simulation_page(request, simulation)
    if not form.is_valid():
        messages.error(request, gettext("Choose a role."))
        return page(UNPROCESSABLE)
    return _attempt(
        request,
        lambda: services.member_set_role(
            simulation=simulation,
            by=request.user,
            membership_id=membership_id,
            role=form.cleaned_data["role"],
            committee_id=committee_id,
        ),
        gettext("Role updated."),
        done=_participants_url(simulation),
        refused=page,
    )
