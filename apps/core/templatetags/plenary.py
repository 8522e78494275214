from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from apps.core import policy
from apps.proceedings.domain.motions import MotionKind

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def can(context: template.Context, action: str, obj: Any) -> bool:
    """`{% can "delegation.read_brief" delegation as may_read %}`: templates ask the policy too."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and policy.can(user, action, obj)


@register.filter
def duration(seconds: Any) -> str:
    """90 → "1:30" (a timer's face before the script takes over)."""
    try:
        total = max(0, int(seconds))
    except (TypeError, ValueError):
        return ""
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def minutes(seconds: Any) -> str:
    """600 → "10", 90 → "1.5" (durations are set in minutes, stored in seconds)."""
    try:
        value = int(seconds) / 60
    except (TypeError, ValueError):
        return ""
    return f"{value:g}"


@register.filter
def tr(label: object) -> str:
    """A label from a pure module (marked with `gettext_noop`) in the reader's language."""
    return gettext(str(label)) if label else ""


@register.filter
def motion_label(kind: str) -> str:
    try:
        label = gettext(MotionKind(kind).label)
    except ValueError:
        return kind.replace("_", " ")
    return label[:1].upper() + label[1:]


@register.filter
def words(value: Any) -> str:
    """Underscores to spaces: table_single_text → table single text."""
    return str(value).replace("_", " ")


@register.simple_tag(takes_context=True)
def form_token(context: template.Context) -> str:
    """The CSRF field in fragments that are also pushed over the websocket.

    A pushed fragment is rendered once for many readers and carries no token (htmx sends
    the page's own, from hx-headers on <body>); a fragment rendered for a request gets the
    field as {% csrf_token %} would give it, for plain posts without JavaScript.
    """
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's "no token" sentinel
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
