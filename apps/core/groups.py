"""Channel-layer group names: one function per kind, never an f-string elsewhere.

Group names may only hold ASCII letters, digits, hyphens, underscores and periods.
"""


def group_for_simulation(simulation_id: int) -> str:
    return f"sim.{simulation_id}"


def group_for_user(user_id: int) -> str:
    return f"user.{user_id}"


def group_for_session(session_id: int) -> str:
    """Everyone following a session's floor (delegates, observers, the projector)."""
    return f"session.{session_id}"


def group_for_session_staff(session_id: int) -> str:
    """The chair's console of a session: the floor with its controls."""
    return f"session.{session_id}.staff"


def group_for_session_delegation(session_id: int, delegation_id: int) -> str:
    """One delegation's screens on a session's floor: what only that delegation may see
    (the placard it holds up while the others' are hidden)."""
    return f"session.{session_id}.delegation.{delegation_id}"


def group_for_channel(channel_id: int) -> str:
    return f"channel.{channel_id}"


def stream_for_session(session_id: int) -> str:
    """The name clients use for a session's numbered event stream."""
    return f"session-{session_id}"


def stream_for_channel(channel_id: int) -> str:
    return f"channel-{channel_id}"


def group_for_presence(simulation_id: int) -> str:
    """Who is online in a simulation: presence updates go here."""
    return f"presence.{simulation_id}"


def group_for_channel_chair(channel_id: int) -> str:
    """The committee's chair reading a note thread: only the notes passed via the chair."""
    return f"channel.{channel_id}.chair"


def group_for_session_seats(session_id: int, rights: str) -> str:
    """The screens of every delegation on a session's floor whose delegates have the same
    rights there (`rights`: a short code, apps.proceedings.selectors.rights_code): what is
    the same for all of them (the actions in order, a fresh ballot) is sent once."""
    return f"session.{session_id}.seats.{rights}"
