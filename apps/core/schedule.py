"""Queue a Celery task by its name once the transaction commits.

Services schedule tasks by name (`"apps.proceedings.tasks.end_phase"`) instead of importing
the task: a tasks module imports the services it calls (tasks are edges), so a service that
imported its task back would make an import circle.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def schedule_on_commit(task_name: str, args: tuple[object, ...], *, eta: dt.datetime) -> None:
    """Queue `task_name(*args)` for `eta`, after commit (nothing is queued on rollback)."""
    transaction.on_commit(lambda: send_task(task_name, args, eta=eta))


def send_task(task_name: str, args: tuple[object, ...], *, eta: dt.datetime) -> None:
    """Queue a timer task now. Every timer is a deadline row that a beat sweep also acts on,
    so a broker that is down makes the timer late, never lost: log it, don't fail the
    request (nor the callbacks queued after it)."""
    try:
        celery_app.send_task(task_name, args, eta=eta)
    except Exception:  # noqa: BLE001
        logger.exception("could not queue %s%s; the sweep will act on it", task_name, args)
