from django import forms
from django.conf import settings


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=settings.LOBBY_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "Write to everyone in the simulation"}
        ),
        error_messages={"required": "Write something first: the message is empty."},
    )


class AnnouncementForm(forms.Form):
    body = forms.CharField(
        label="Announcement",
        max_length=settings.LOBBY_MESSAGE_MAX_LENGTH,
        error_messages={"required": "Write the announcement first."},
    )
    delay_seconds = forms.IntegerField(
        label="Post in (seconds)", min_value=0, max_value=7 * 24 * 3600, initial=60
    )
