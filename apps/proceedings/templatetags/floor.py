"""Tags of the floor's templates: the attributes every part of the floor carries, and the
one-button action form the floor repeats (next speaker, entertain, a placard...)."""

from __future__ import annotations

import functools
from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()


def part_id(session_id: int, name: str, key: object = None) -> str:
    """The stable id of a part of a session's floor: `floor-7-speakers`, `floor-7-att-12`."""
    return f"floor-{session_id}-{name}" if key is None else f"floor-{session_id}-{name}-{key}"


# These tags run for every row and button of a floor (a General Assembly's roll call has 195
# rows): they build their markup with plain string formatting, escaping each value once.
def _esc(value: object) -> str:
    return str(value) if isinstance(value, SafeData) else escape(str(value), quote=True)


@functools.lru_cache(maxsize=4096)
def _act_url(session_id: int, action: str) -> str:
    return escape(reverse("proceedings:act", args=[session_id, action]), quote=True)


@register.simple_tag(takes_context=True)
def part(
    context: template.Context, name: str, key: object = None, nested: bool = False
) -> SafeString:
    """`{% part "speakers" %}`: the part's id and what the client compares before it swaps
    it: the floor's version (an older copy never replaces a newer one), on a pushed or
    answered copy the version it follows (`data-since`: a gap means a push was missed) and
    `hx-swap-oob`. A top-level part also carries the event stream's number, which the client
    sends back to resume after a reconnect."""
    floor = context["floor"]
    html = (
        f'id="{_esc(part_id(floor.session_id, name, key))}" data-part="{_esc(name)}" '
        f'data-version="{int(floor.version)}"'
    )
    if not nested:
        html += f' data-stream="{_esc(floor.stream)}" data-stream-seq="{int(floor.seq)}"'
    since = context.get("since")
    if since is not None:
        html += f' data-since="{int(since)}"'
    if context.get("oob"):
        html += ' hx-swap-oob="true"'
    return mark_safe(html)  # noqa: S308 - every value escaped above


@register.simple_tag(takes_context=True)
def action_button(
    context: template.Context,
    action: str,
    label: str,
    *,
    id: str,  # noqa: A002 - the element's id (`key` appended: id="up" key=7 is "up-7")
    key: object = None,
    css: str = "secondary outline small",
    aria_label: str = "",
    aria_name: str | None = None,
    confirm: str = "",
    pressed: str = "",
    **fields: Any,
) -> SafeString:
    """A form of one button posting one floor action, its other fields hidden:
    `{% action_button "motion-entertain" _("Entertain") id="entertain" key=motion.id
    motion=motion.id %}`. With `aria_name`, `aria_label` is a translated pattern naming it:
    `aria_label=up aria_name=entry.seat.name` (up: "Move %(name)s up")."""
    if aria_name is not None:
        aria_label = str(aria_label) % {"name": aria_name}
    url = _act_url(context["floor"].session_id, action)
    token = context.get("csrf_token")
    hidden = "".join(
        f'<input type="hidden" name="{_esc(n)}" value="{_esc(v)}">'
        for n, v in sorted(fields.items())
    )
    if token and token != "NOTPROVIDED":  # noqa: S105 - Django's "no token" sentinel
        hidden = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_esc(token)}">{hidden}'
    extra = "".join(
        f' {attribute}="{_esc(value)}"'
        for attribute, value in (
            ("aria-label", aria_label),
            ("data-confirm", confirm),
            ("aria-pressed", pressed),
        )
        if value
    )
    ident = id if key is None else f"{id}-{key}"
    return mark_safe(  # noqa: S308 - every value escaped above
        f'<form hx-post="{url}" method="post" action="{url}">{hidden}'
        f'<button type="submit" id="{_esc(ident)}" class="{_esc(css)}"{extra}>{_esc(label)}'
        "</button></form>"
    )


@register.simple_tag(takes_context=True)
def seat_options(context: template.Context) -> SafeString:
    """`<option>` per delegation of the committee (the add-to-list and yield selects): built
    once per floor and reused by every part that lists them."""
    floor = context["floor"]
    cached: SafeString | None = floor.__dict__.get("_seat_options")
    if cached is None:
        cached = mark_safe(  # noqa: S308 - every value escaped
            "".join(f'<option value="{int(s.id)}">{_esc(s.name)}</option>' for s in floor.seats)
        )
        floor.__dict__["_seat_options"] = cached
    return cached


@register.simple_tag(takes_context=True)
def act_url(context: template.Context, action: str) -> SafeString:
    """The URL of a floor action of this session (forms with fields of their own)."""
    return mark_safe(_act_url(context["floor"].session_id, action))  # noqa: S308 - escaped
