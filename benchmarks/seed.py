"""Seed the benchmark database: one instructor, one simulation, N students, a session each.

Run by fanout.py with the venv's python, from the project root, with the same environment
as the servers (DATABASE_URL, DJANGO_SETTINGS_MODULE, SECRET_KEY...), so the sessions it
writes are valid for them:

    python benchmarks/seed.py --students 1000 --out /tmp/seed.json

Writes JSON: {"simulation_id": int, "instructor_session": str, "student_sessions": [str]}.
Bulk inserts: a thousand students take about a second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def seed(students: int, target: str = "lobby") -> dict[str, Any]:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from apps.accounts.models import User
    from apps.delegations.models import Membership, Simulation

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        raise SystemExit(
            f"seed.py writes database sessions; SESSION_ENGINE is {settings.SESSION_ENGINE}"
        )

    with transaction.atomic():
        instructor = User(
            username="bench-instructor",
            display_name="Bench Chair",
            is_instructor=True,
            password=make_password(None),
        )
        instructor.save()
        simulation = Simulation.objects.create(owner=instructor, title="Fan-out benchmark")
        Membership.objects.create(
            simulation=simulation, user=instructor, role=Membership.Role.INSTRUCTOR
        )
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench-s{i:05d}",
                    display_name=f"Delegate {i}",
                    password=make_password(None),
                )
                for i in range(students)
            ],
            batch_size=500,
        )
        Membership.objects.bulk_create(
            [
                Membership(simulation=simulation, user=user, role=Membership.Role.DELEGATE)
                for user in users
            ],
            batch_size=500,
        )
        store = SessionStore()
        expires = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        keys: list[str] = []
        rows: list[Session] = []
        for user in [instructor, *users]:
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            data = {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": MODEL_BACKEND,
                "_auth_user_hash": user.get_session_auth_hash(),
            }
            rows.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
            keys.append(key)
        Session.objects.bulk_create(rows, batch_size=500)
    result: dict[str, Any] = {
        "simulation_id": simulation.pk,
        "instructor_session": keys[0],
        "student_sessions": keys[1:],
    }
    if target == "plenary":
        # One committee whose plenary floor every student follows; the instructor posts as
        # the chair (no session yet: the floor is open, not moderated).
        from apps.caucus.services import plenary_ensure
        from apps.delegations.models import Committee
        from apps.delegations.services import build_rules

        committee = Committee.objects.create(
            simulation=simulation,
            name="Bench committee",
            preset_key="una_usa",
            rules=build_rules("una_usa"),
        )
        result["channel_id"] = plenary_ensure(committee=committee).pk
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, required=True)
    parser.add_argument("--target", choices=["lobby", "plenary"], default="lobby")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.write_text(json.dumps(seed(args.students, args.target)))


if __name__ == "__main__":
    main()
