"""Gap-free numbering of a stream (a session's event log, a caucus channel, a lobby).

Each stream has a counter row: the session, the channel, the lobby's row. `next_seq` bumps
the counter in the database and returns the new number. The UPDATE takes the row's lock
until the transaction ends, so two writers to one stream are serialised: the second waits,
then gets the next number; a rollback gives the number back. The numbers are therefore
gap-free and ordered, which is what lets a client that sees a gap replay what it missed.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import F


def next_seq(model: type[models.Model], pk: int, field: str) -> int:
    """Bump `model(pk).field` by one and return the new value, holding the row's lock until
    the transaction ends. Must run inside `transaction.atomic()` (outside, the lock would
    end at once and the number could be taken twice by a concurrent reader)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_seq must run inside transaction.atomic()")
    rows = model._default_manager.filter(pk=pk)
    if not rows.update(**{field: F(field) + 1}):
        missing: type[ObjectDoesNotExist] = model.DoesNotExist  # type: ignore[attr-defined]
        raise missing(f"{model.__name__} {pk} does not exist")
    value = rows.values_list(field, flat=True).get()
    return int(value)
