"""Every write to a session, one function per use case, a module per aggregate.

Each service checks permission through the policy, locks the session row
(`select_for_update`), applies a pure rule from `domain/`, writes, appends to the event log
in the same transaction, and schedules the broadcast and any timer task after commit.
Chair actions may pass `expected_version`: if the floor changed since the chair's page was
rendered, the action is refused instead of acting on a stale view (a double click on
"next speaker" moves the list once).

Callers use the package: `from apps.proceedings import services; services.motion_move(...)`.
"""

from apps.proceedings.services._common import MAX_TIMER_S, MAX_TOPIC_LENGTH, preset_of
from apps.proceedings.services.motions import (
    motion_entertain,
    motion_move,
    motion_rule_out_of_order,
    motion_withdraw,
)
from apps.proceedings.services.sessions import (
    agenda_set,
    attendance_set,
    mediation_set,
    phase_advance,
    phase_end_now,
    session_create,
    session_open,
)
from apps.proceedings.services.speakers import (
    speaker_add,
    speaker_end,
    speaker_extend,
    speaker_next,
    speaker_remove,
    speaker_yield,
    speakers_reorder,
)
from apps.proceedings.services.timers import deadlines_sweep, phase_end_if_due, speech_end_if_due
from apps.proceedings.services.votes import motion_vote_cast, motion_vote_close

__all__ = [
    "MAX_TIMER_S",
    "MAX_TOPIC_LENGTH",
    "agenda_set",
    "attendance_set",
    "deadlines_sweep",
    "mediation_set",
    "motion_entertain",
    "motion_move",
    "motion_rule_out_of_order",
    "motion_vote_cast",
    "motion_vote_close",
    "motion_withdraw",
    "phase_advance",
    "phase_end_if_due",
    "phase_end_now",
    "preset_of",
    "session_create",
    "session_open",
    "speaker_add",
    "speaker_end",
    "speaker_extend",
    "speaker_next",
    "speaker_remove",
    "speaker_yield",
    "speakers_reorder",
    "speech_end_if_due",
]
