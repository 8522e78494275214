from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.accounts.models import User
from apps.delegations.models import Simulation


def simulations_for(*, user: User) -> QuerySet[Simulation]:
    """Simulations the user owns or belongs to, with their member counts, in one query."""
    return (
        # Annotate before filtering: the filter's join must not narrow the count.
        Simulation.objects.annotate(member_count=Count("memberships", distinct=True))
        .filter(memberships__user=user)
        .select_related("owner")
        .order_by("-created_at")
    )
