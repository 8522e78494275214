"""Timers: thin tasks that take ids and call an idempotent service (safe to run twice)."""

from celery import shared_task

from apps.proceedings import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def end_phase(session_id: int, entry: int, deadline: str | None = None) -> bool:
    return services.phase_end_if_due(session_id=session_id, entry=entry, deadline_iso=deadline)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def end_speech(session_id: int, speech_number: int, deadline: str | None = None) -> bool:
    return services.speech_end_if_due(
        session_id=session_id, speech_number=speech_number, deadline_iso=deadline
    )


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_deadlines() -> int:
    """Beat runs this every few seconds: any deadline a lost task missed ends here."""
    return services.deadlines_sweep()
