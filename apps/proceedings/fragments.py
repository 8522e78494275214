"""Fragments of a session's pages rendered on their own (pushed, or answered to htmx)."""

from __future__ import annotations

from django.template.loader import render_to_string


def render_own_placard(
    *, session_id: int, motion_id: int | None, choice: str, oob: bool = True
) -> str:
    """The placard one delegation holds up, for its own screens only: kept outside the floor,
    so the public floor (which may not show placards yet) never carries or erases it."""
    return render_to_string(
        "proceedings/partials/my_placard.html",
        {"session_id": session_id, "motion_id": motion_id, "choice": choice, "oob": oob},
    )
