"""One HTTP status per kind of domain error (apps/core/errors.py), whoever raises it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from apps.core.errors import (
    BadInput,
    Conflict,
    DomainErrorMiddleware,
    RateLimited,
    messages_of,
    status_for,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (PermissionDenied("You may not do this."), 403),
        (BadInput("The delegation must be a whole number."), 400),
        (ValidationError("The session is adjourned."), 422),
        (Conflict("Someone changed the phase first: reload and try again."), 409),
        (RateLimited("Slow down: at most 20 messages in 10 seconds."), 429),
    ],
)
def test_each_kind_of_domain_error_has_one_status(error: Exception, status: int) -> None:
    assert status_for(error) == status


def test_an_error_that_is_not_a_domain_error_has_no_status() -> None:
    with pytest.raises(TypeError):
        status_for(KeyError("bug"))


def test_the_messages_of_an_error_are_its_sentences() -> None:
    assert messages_of(ValidationError(["Give it a name.", "Choose a kind."])) == [
        "Give it a name.",
        "Choose a kind.",
    ]
    assert messages_of(PermissionDenied("Take a seat first.")) == ["Take a seat first."]


def never_called(request: object) -> object:
    raise AssertionError("the middleware only answers exceptions")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValidationError("The session is adjourned."), 422),
        (Conflict("Someone changed it first."), 409),
        (RateLimited("Slow down."), 429),
    ],
)
def test_a_domain_error_a_view_let_through_is_answered_with_its_status_not_a_500(
    rf: RequestFactory, error: ValidationError, status: int
) -> None:
    middleware = DomainErrorMiddleware(never_called)  # type: ignore[arg-type]
    page = middleware.process_exception(rf.post("/somewhere/"), error)
    fragment = middleware.process_exception(rf.post("/somewhere/", HTTP_HX_REQUEST="true"), error)

    assert page is not None and fragment is not None
    assert (page.status_code, fragment.status_code) == (status, status)
    assert error.messages[0] in page.content.decode()
    assert "<html" in page.content.decode()  # a page for a form post
    assert "<html" not in fragment.content.decode()  # a fragment for htmx to swap
    assert 'role="alert"' in fragment.content.decode()


def test_other_exceptions_are_left_to_django(rf: RequestFactory) -> None:
    middleware = DomainErrorMiddleware(never_called)  # type: ignore[arg-type]
    assert middleware.process_exception(rf.get("/"), PermissionDenied("no")) is None
    assert middleware.process_exception(rf.get("/"), KeyError("bug")) is None
