from __future__ import annotations

from apps.accounts.models import User


def instructor_signup(*, user: User) -> User:
    """Mark a freshly created account as an instructor (can create simulations)."""
    user.is_instructor = True
    user.save(update_fields=["is_instructor"])
    return user
