"""Channel-layer group names: one function per kind, never an f-string elsewhere.

Group names may only hold ASCII letters, digits, hyphens, underscores and periods.
"""


def group_for_simulation(simulation_id: int) -> str:
    return f"sim.{simulation_id}"


def group_for_user(user_id: int) -> str:
    return f"user.{user_id}"


def group_for_committee(committee_id: int) -> str:
    return f"committee.{committee_id}"


def group_for_channel(channel_id: int) -> str:
    return f"channel.{channel_id}"
