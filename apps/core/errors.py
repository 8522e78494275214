"""Domain errors: one convention for every app, one HTTP status per kind of error.

Services (and the domain, through them) say *what kind* of thing went wrong by the
exception they raise; the edges turn it into a status and a sentence, always the same way:

| what went wrong                                         | raise                         | status |
|---------------------------------------------------------|-------------------------------|--------|
| the user may not do this (the policy said no)           | `PermissionDenied`            | 403    |
| an id or a number from the client cannot be read        | `BadInput` (apps.core.inputs) | 400    |
| the rules or a validation refuse it: an empty or too    | `ValidationError`             | 422    |
| long text, a phase the rules do not allow, a channel    |                               |        |
| proximity talks forbid, a full delegation               |                               |        |
| someone else changed it first (a stale version, a vote  | `Conflict`                    | 409    |
| already cast once, a lost race the user can retry)      |                               |        |
| too many attempts in a window (posts, joins, sign-ups)  | `RateLimited`                 | 429    |

A refusal by the rules of procedure is a 422, not a 403: the user is allowed to act, but not
this way or not now. A 403 is reserved for "you may not": the policy (`apps.core.policy`)
raises it, and services raise it only for a missing seat or membership.

`Conflict` and `RateLimited` are `ValidationError`s, so a view that shows the error next to
its form catches `ValidationError` once and asks `status_for(error)` for the status. When a
view does not catch it, `DomainErrorMiddleware` answers with the same status and the message
(a small fragment for htmx, a page otherwise): a domain error is never a 500.

Codes, not words: a caller that must tell two refusals apart (which form field to mark)
reads `error.code` (`ValidationError(..., code="name")`), never the message, which is
translated.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.inputs import BadInput

__all__ = [
    "BadInput",
    "Conflict",
    "DomainErrorMiddleware",
    "PermissionDenied",
    "RateLimited",
    "UNPROCESSABLE",
    "ValidationError",
    "messages_of",
    "status_for",
]


class Conflict(ValidationError):
    """Someone else changed the thing first (a stale version, an at-most-once already done):
    409, with a sentence saying what to do (reload, try again)."""


class RateLimited(ValidationError):
    """Too many attempts in a window: 429, with a sentence saying how long to wait."""


UNPROCESSABLE = 422
STATUS_BY_KIND: tuple[tuple[type[Exception], int], ...] = (
    # Most specific first: Conflict and RateLimited are ValidationErrors.
    (Conflict, 409),
    (RateLimited, 429),
    (ValidationError, UNPROCESSABLE),
    (BadInput, 400),
    (PermissionDenied, 403),
)


def status_for(error: Exception) -> int:
    """The one HTTP status for this kind of domain error."""
    for kind, status in STATUS_BY_KIND:
        if isinstance(error, kind):
            return status
    raise TypeError(f"{type(error).__name__} is not a domain error")  # a bug: let it be a 500


def messages_of(error: Exception) -> list[str]:
    """The sentences of a domain error, for a person."""
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    text = str(error)
    return [text] if text else []


class DomainErrorMiddleware:
    """Answers a `ValidationError` (and so `Conflict`, `RateLimited`) that a view let through
    with its status and its message: the fragment `partials/refusal.html` for htmx, the page
    `refusal.html` otherwise. PermissionDenied and BadInput keep Django's own handlers
    (`403.html`, `handler400`), which give the same statuses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ValidationError):
            return None
        template = "partials/refusal.html" if request.headers.get("HX-Request") else "refusal.html"
        return render(
            request,
            template,
            {"refusal_messages": messages_of(exception)},
            status=status_for(exception),
        )
