from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from apps.accounts.models import User
from apps.delegations.models import Committee, Delegation, Membership, Simulation


def simulations_for(*, user: User) -> QuerySet[Simulation]:
    """Simulations the user owns or belongs to, with their member counts, in one query."""
    return (
        # Annotate before filtering: the filter's join must not narrow the count.
        Simulation.objects.annotate(member_count=Count("memberships", distinct=True))
        .filter(memberships__user=user)
        .select_related("owner")
        .order_by("-created_at")
    )


def committees_with_delegations(
    *, simulation_id: int, committee_id: int | None = None
) -> QuerySet[Committee]:
    """Committees (or the one `committee_id`), their delegations with seat counts and seated
    students: three queries."""
    seated = Prefetch(
        "seats_taken", queryset=Membership.objects.select_related("user").order_by("joined_at")
    )
    delegations = (
        Delegation.objects.annotate(seated=Count("seats_taken", distinct=True))
        .prefetch_related(seated)
        .order_by("position", "name")
    )
    committees = Committee.objects.filter(simulation_id=simulation_id)
    if committee_id is not None:
        committees = committees.filter(pk=committee_id)
    return committees.prefetch_related(Prefetch("delegations", queryset=delegations))


def memberships_of(*, simulation_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(simulation_id=simulation_id)
        .select_related("user", "delegation", "committee")
        .order_by("role", "user__display_name", "user__username")
    )


def membership_of(*, simulation_id: int, user: User) -> Membership | None:
    return (
        Membership.objects.filter(simulation_id=simulation_id, user=user)
        .select_related("delegation__committee", "committee")
        .first()
    )


def delegation_detail(*, simulation_id: int, delegation_id: int) -> Delegation | None:
    seated = Prefetch("seats_taken", queryset=Membership.objects.select_related("user"))
    return (
        Delegation.objects.filter(pk=delegation_id, committee__simulation_id=simulation_id)
        .select_related("committee__simulation")
        .prefetch_related(seated)
        .first()
    )


def seated_delegation(*, user: User, committee: Committee) -> Delegation | None:
    """The delegation `user` sits in, if it is a member of `committee`."""
    membership = (
        Membership.objects.filter(simulation_id=committee.simulation_id, user=user)
        .select_related("delegation")
        .first()
    )
    if membership and membership.delegation and membership.delegation.committee_id == committee.pk:
        return membership.delegation
    return None
