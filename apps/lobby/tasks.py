"""Thin tasks: take ids, call a service, safe to run twice."""

from celery import shared_task

from apps.lobby import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def post_due_announcement(announcement_id: int) -> bool:
    return services.announcement_post_if_due(announcement_id=announcement_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_due_announcements() -> int:
    return services.announcements_sweep()
