"""The caucus room: every channel a delegation may read, posting over htmx."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from apps.caucus import selectors, services
from apps.caucus.models import Channel
from apps.core import policy
from apps.core.errors import messages_of, status_for
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
        raise Http404(gettext("No such channel."))
    policy.require(request.user, action, channel)
    return channel


def _room_url(committee_id: int, channel_id: int | None = None) -> str:
    url = reverse("caucus:room", args=[committee_id])
    return f"{url}?channel={channel_id}" if channel_id else url


def _render_room(
    request: AuthedRequest,
    committee: Committee,
    *,
    template: str = "caucus/room.html",
    active_id: int | None = None,
    status: int = 200,
) -> HttpResponse:
    """The room (or its panel alone): the plenary floor is opened first (a write, on first
    use), then everything the user may read."""
    services.plenary_ensure(committee=committee)
    context = selectors.room_context(user=request.user, committee=committee, active_id=active_id)
    return render(request, template, context, status=status)


def _refused(
    request: AuthedRequest, committee: Committee, error: ValidationError, active_id: int | None
) -> HttpResponse:
    """A refusal (the rules, a form to fix, a rate): the room again, saying why, with the
    status of that kind of error (apps/core/errors.py)."""
    for message in messages_of(error):
        messages.error(request, message)
    return _render_room(request, committee, active_id=active_id, status=status_for(error))


@login_required
def room(request: AuthedRequest, committee_id: int) -> HttpResponse:
    committee = _committee(request, committee_id)
    active_id = optional_id(request.GET.get("channel"), what="The channel")
    return _render_room(request, committee, active_id=active_id)


@login_required
def panel(request: AuthedRequest, committee_id: int) -> HttpResponse:
    """The channel list and boxes alone: a page reloads it when its channels changed."""
    committee = _committee(request, committee_id)
    active_id = optional_id(request.GET.get("channel"), what="The channel")
    return _render_room(
        request, committee, template="caucus/partials/panel.html", active_id=active_id
    )


@login_required
@require_POST
def post(request: AuthedRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id, "channel.read")
    body = request.POST.get("body", "")
    try:
        services.message_post(
            channel=channel,
            by=request.user,
            body=body,
            via_chair=request.POST.get("via_chair") == "on",
        )
    except ValidationError as refusal:
        context = {"error": " ".join(messages_of(refusal)), "body": body}
        status = status_for(refusal)
    else:
        context, status = {"error": "", "body": ""}, 200
    return render(
        request,
        "caucus/partials/post_form.html",
        {"channel": channel, "may_post": True, **context},
        status=status,
    )


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
    except ValidationError as error:
        return _refused(request, committee, error, active_id=None)
    return redirect(_room_url(committee.pk, channel.pk))


@login_required
@require_POST
def invite(request: AuthedRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id, "channel.manage")
    ids = parse_ids(request.POST.getlist("with"), what="The delegation")
    try:
        services.member_invite(channel=channel, by=request.user, delegation_ids=ids)
    except ValidationError as error:
        return _refused(request, channel.committee, error, active_id=channel.pk)
    messages.success(request, gettext("Invited."))
    return redirect(_room_url(channel.committee_id, channel.pk))


@login_required
@require_POST
def remove(request: AuthedRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id, "channel.read")
    delegation_id = parse_id(request.POST.get("delegation"), what="The delegation")
    try:
        services.member_remove(channel=channel, by=request.user, delegation_id=delegation_id)
    except ValidationError as error:
        return _refused(request, channel.committee, error, active_id=channel.pk)
    return redirect(_room_url(channel.committee_id))


@login_required
@require_POST
def mute(request: AuthedRequest, committee_id: int) -> HttpResponse:
    committee = _committee(request, committee_id)
    services.plenary_mute(
        committee=committee, by=request.user, muted=request.POST.get("muted") == "on"
    )
    return redirect(_room_url(committee.pk))
