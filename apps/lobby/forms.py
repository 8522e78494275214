from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.lobby.services import DELAY_REFUSED
from apps.proceedings.domain.timers import MAX_TIMER_S


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=settings.LOBBY_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("Write to everyone in the simulation")}
        ),
        error_messages={"required": _("Write something first: the message is empty.")},
    )


class AnnouncementForm(forms.Form):
    body = forms.CharField(
        label=_("Announcement"),
        max_length=settings.LOBBY_MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Write the announcement first.")},
    )
    delay_seconds = forms.IntegerField(
        label=_("Post in (seconds)"),
        min_value=0,
        max_value=MAX_TIMER_S,
        initial=60,
        error_messages={
            key: DELAY_REFUSED for key in ("required", "invalid", "min_value", "max_value")
        },
    )
