from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def signup(request: HttpRequest) -> dict[str, bool]:
    """Whether pages offer instructor sign-up (PLENARY_INSTRUCTOR_SIGNUP)."""
    return {"instructor_signup_open": bool(settings.PLENARY_INSTRUCTOR_SIGNUP)}
