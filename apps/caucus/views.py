"""The caucus room: every channel a delegation may read, posting over htmx."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.caucus import selectors, services
from apps.caucus.models import Channel
from apps.core import policy
from apps.core.http import AuthedRequest
from apps.core.inputs import optional_id, parse_id, parse_ids
from apps.delegations.models import Committee


def _committee(request: AuthedRequest, committee_id: int) -> Committee:
    committee = get_object_or_404(Committee.objects.select_related("simulation"), pk=committee_id)
    policy.require(request.user, "committee.view", committee)
    return committee


def _channel(request: AuthedRequest, channel_id: int, action: str) -> Channel:
    channel = Channel.objects.select_related("committee__simulation").filter(pk=channel_id).first()
    if channel is None:
        raise Http404("No such channel.")
    policy.require(request.user, action, channel)
    return channel


def _room_url(committee_id: int, channel_id: int | None = None) -> str:
    url = reverse("caucus:room", args=[committee_id])
    return f"{url}?channel={channel_id}" if channel_id else url


@login_required
def room(request: AuthedRequest, committee_id: int) -> HttpResponse:
    committee = _committee(request, committee_id)
    active_id = optional_id(request.GET.get("channel"), what="The channel")
    context = selectors.room_context(user=request.user, committee=committee, active_id=active_id)
    return render(request, "caucus/room.html", context)


@login_required
def panel(request: AuthedRequest, committee_id: int) -> HttpResponse:
    """The channel list and boxes alone: a page reloads it when its channels changed."""
    committee = _committee(request, committee_id)
    active_id = optional_id(request.GET.get("channel"), what="The channel")
    context = selectors.room_context(user=request.user, committee=committee, active_id=active_id)
    return render(request, "caucus/partials/panel.html", context)


@login_required
@require_POST
def post(request: AuthedRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id, "channel.read")
    error = ""
    try:
        services.message_post(
            channel=channel,
            by=request.user,
            body=request.POST.get("body", ""),
            via_chair=request.POST.get("via_chair") == "on",
        )
    except ValidationError as refusal:
        error = " ".join(refusal.messages)
    body = request.POST.get("body", "") if error else ""
    response = render(
        request,
        "caucus/partials/post_form.html",
        {"channel": channel, "error": error, "body": body, "may_post": True},
        status=422 if error else 200,
    )
    return response


@login_required
@require_POST
def open_channel(request: AuthedRequest, committee_id: int) -> HttpResponse:
    committee = _committee(request, committee_id)
    ids = parse_ids(request.POST.getlist("with"), what="The delegation")
    try:
        channel = services.channel_open(
            committee=committee,
            by=request.user,
            kind=request.POST.get("kind", ""),
            with_ids=ids,
            name=request.POST.get("name", ""),
        )
    except PermissionDenied as refusal:
        # Refused by the rules (or the policy): 403, on the room page, saying why.
        messages.error(request, str(refusal))
        context = selectors.room_context(user=request.user, committee=committee)
        return render(request, "caucus/room.html", context, status=403)
    except ValidationError as error:
        # A form to fix (a name missing or refused): 422, on the room page, saying what.
        for message in error.messages:
            messages.error(request, message)
        context = selectors.room_context(user=request.user, committee=committee)
        return render(request, "caucus/room.html", context, status=422)
    return redirect(_room_url(committee.pk, channel.pk))


@login_required
@require_POST
def invite(request: AuthedRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id, "channel.manage")
    ids = parse_ids(request.POST.getlist("with"), what="The delegation")
    try:
        services.member_invite(channel=channel, by=request.user, delegation_ids=ids)
        messages.success(request, "Invited.")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(_room_url(channel.committee_id, channel.pk))


@login_required
@require_POST
def remove(request: AuthedRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id, "channel.read")
    delegation_id = parse_id(request.POST.get("delegation"), what="The delegation")
    try:
        services.member_remove(channel=channel, by=request.user, delegation_id=delegation_id)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_room_url(channel.committee_id, channel.pk))
    return redirect(_room_url(channel.committee_id))


@login_required
@require_POST
def mute(request: AuthedRequest, committee_id: int) -> HttpResponse:
    committee = _committee(request, committee_id)
    services.plenary_mute(
        committee=committee, by=request.user, muted=request.POST.get("muted") == "on"
    )
    return redirect(_room_url(committee.pk))
