from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User


class JoinForm(forms.Form):
    # Lengths are checked by the service with clear messages; these caps only stop abuse.
    code = forms.CharField(
        label=_("Join code"),
        max_length=32,
        error_messages={
            "required": _("Enter the join code shown by your instructor."),
            "max_length": _("That is not a join code: codes have 8 letters and digits."),
        },
    )
    display_name = forms.CharField(label=_("Your name"), required=False, max_length=10_000)


class InstructorSignupForm(UserCreationForm[User]):
    class Meta:
        model = User
        fields = ("username", "email", "display_name")
        labels = {"display_name": _("Name shown to students")}
        help_texts = {"username": ""}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["display_name"].required = True
