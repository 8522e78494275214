"""Events get a kind from a fixed vocabulary and a payload of facts instead of a sentence.

Each row's payload is converted to its kind's schema (apps/proceedings/event_kinds.py as it
was when this migration was written: the schemas are copied here, frozen, as a migration
must not follow the code). Facts the old payload lacked are read from the old sentence
(names, seconds, phases) or the motion row. A row that cannot be converted keeps its old
sentence: it becomes a `legacy` event with `legacy_text`, `legacy_kind` and
`legacy_payload`, so nothing of the record is lost.

Going back restores the legacy rows as they were; converted rows keep their facts (the old
code shows their kind's name where a sentence was).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations, models

KINDS = [
    ("session_created", "Session created"),
    ("session_opened", "Session opened"),
    ("phase_changed", "Phase changed"),
    ("phase_ended", "Phase ended (time up)"),
    ("agenda_set", "Agenda set"),
    ("mediation_changed", "Mediation changed"),
    ("attendance", "Attendance"),
    ("speaker_added", "Speaker added"),
    ("speaker_removed", "Speaker removed"),
    ("speakers_reordered", "Speakers list reordered"),
    ("speech_started", "Speech started"),
    ("speech_extended", "Speech extended"),
    ("speech_ended", "Speech ended"),
    ("speech_yielded", "Speech yielded"),
    ("motion_moved", "Motion moved"),
    ("motion_withdrawn", "Motion withdrawn"),
    ("motion_out_of_order", "Motion ruled out of order"),
    ("vote_opened", "Vote opened"),
    ("placard", "Placard raised"),
    ("motion_passed", "Motion passed"),
    ("motion_failed", "Motion failed"),
    ("rules_changed", "Rules changed"),
    ("floor_message", "Message on the floor"),
    ("legacy", "Recorded before event kinds"),
]

PHASES = {
    "not_started": "Not started",
    "roll_call": "Roll call",
    "agenda_setting": "Agenda setting",
    "general_debate": "General debate",
    "moderated_caucus": "Moderated caucus",
    "unmoderated_caucus": "Unmoderated caucus",
    "drafting": "Drafting",
    "amendments": "Amendments",
    "voting_procedure": "Voting procedure",
    "suspended": "Suspended",
    "adjourned": "Adjourned",
}
PHASE_BY_LABEL = {label.lower(): value for value, label in PHASES.items()}
UNITS = {"hour": 3600, "minute": 60, "second": 1}
_DURATION = re.compile(r"(\d+) (hour|minute|second)s?")
_TALLY = re.compile(r"(\d+) in favour, (\d+) against, (\d+) abstentions?")


class Unconvertible(Exception):
    """The row keeps its sentence as a legacy event."""


def _match(pattern: str, text: str) -> dict[str, str]:
    found = re.fullmatch(pattern, text, flags=re.DOTALL)
    if found is None:
        raise Unconvertible(text)
    return found.groupdict()


def _phase(label: str) -> str:
    try:
        return PHASE_BY_LABEL[label.lower()]
    except KeyError:
        raise Unconvertible(label) from None


def _seconds(words: str) -> int:
    parts = _DURATION.findall(words)
    if not parts or " ".join(f"{n} {u}{'' if n == '1' else 's'}" for n, u in parts) != words:
        raise Unconvertible(words)
    return sum(int(n) * UNITS[u] for n, u in parts)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unconvertible(repr(value))
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise Unconvertible(repr(value))
    return value


class Converter:
    """Converts the rows of one session (its delegations and motions looked up once)."""

    def __init__(self, apps: Any, session: Any) -> None:
        Delegation = apps.get_model("delegations", "Delegation")
        Motion = apps.get_model("proceedings", "Motion")
        self.names: dict[str, list[int]] = {}
        for pk, name in Delegation.objects.filter(committee_id=session.committee_id).values_list(
            "pk", "name"
        ):
            self.names.setdefault(name, []).append(pk)
        self.motions = {m.pk: m for m in Motion.objects.filter(session_id=session.pk)}

    def delegation(self, name: str) -> int:
        found = self.names.get(name, [])
        if len(found) != 1:
            raise Unconvertible(name)
        return found[0]

    def motion(self, pk: Any) -> dict[str, Any]:
        motion = self.motions.get(pk) if isinstance(pk, int) else None
        if motion is None:
            raise Unconvertible(f"motion {pk!r}")
        params = motion.params if isinstance(motion.params, dict) else {}
        duration, speaking = params.get("duration_s"), params.get("speaking_time_s")
        return {
            "motion": motion.pk,
            "motion_kind": motion.kind,
            "duration_s": int(duration) if duration not in (None, "") else None,
            "speaking_time_s": int(speaking) if speaking not in (None, "") else None,
            "topic": str(params.get("topic") or ""),
        }

    def decided(self, payload: dict[str, Any]) -> dict[str, Any]:
        fields = self.motion(payload.get("motion"))
        motion = self.motions[fields["motion"]]
        result = motion.result if isinstance(motion.result, dict) else {}
        reason = str(result.get("reason") or "")
        granted = reason == "The chair grants"
        tally = _TALLY.fullmatch(str(result.get("tally") or ""))
        if not granted and tally is None:
            raise Unconvertible("no tally")
        yes, no, abstain = (int(n) for n in tally.groups()) if tally else (None, None, None)
        return {
            **fields,
            "phase": _str(payload.get("phase")),
            "granted": granted,
            "yes": yes,
            "no": no,
            "abstain": abstain,
            "reason": "" if granted else reason,
        }

    def convert(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        text = _str(payload.get("text"))
        if kind == "session_created":
            return {"number": int(_match(r"Session (?P<n>\d+) created\.", text)["n"])}
        if kind == "session_opened":
            return {"phase": _phase(_match(r"The session is open: (?P<p>.+)\.", text)["p"])}
        if kind == "phase_changed":
            phase = _str(payload.get("phase"))
            if text.startswith("The chair ended the "):
                words = _match(r"The chair ended the (?P<e>.+); (?P<p>.+)\.", text)
                return {"phase": phase, "timer_s": None, "ended": _phase(words["e"])}
            words = _match(r"(?P<p>[^,]+)(?:, (?P<d>.+))?\.", text)
            if PHASES.get(phase) != words["p"]:
                raise Unconvertible(text)
            timer = _seconds(words["d"]) if words["d"] else None
            return {"phase": phase, "timer_s": timer, "ended": None}
        if kind == "phase_ended":
            deadline = payload.get("deadline")
            return {
                "phase": _str(payload.get("phase")),
                "ended": _str(payload.get("ended")),
                "deadline": _str(deadline) if deadline is not None else None,
            }
        if kind == "agenda_set":
            return {"topic": _str(payload.get("topic"))}
        if kind == "mediation_changed":
            proximity = payload.get("proximity")
            if not isinstance(proximity, bool):
                raise Unconvertible("proximity")
            return {"mode": _str(payload.get("mode")), "proximity": proximity}
        if kind == "attendance":
            name = _match(r"(?P<n>.+): (?:present|present and voting|absent)\.", text)["n"]
            return {
                "delegation": _int(payload.get("delegation")),
                "name": name,
                "status": _str(payload.get("status")),
            }
        if kind in ("speaker_added", "speaker_removed"):
            verb = "joins" if kind == "speaker_added" else "leaves"
            name = _match(rf"(?P<n>.+) {verb} the speakers list\.", text)["n"]
            pk = payload.get("delegation")
            return {
                "delegation": _int(pk) if pk is not None else self.delegation(name),
                "name": name,
            }
        if kind == "speakers_reordered":
            return {}
        if kind == "speech_started":
            name = _match(r"(?P<n>.+) has the floor \(\d+ s\)\.", text)["n"]
            return {
                "delegation": _int(payload.get("delegation")),
                "name": name,
                "seconds": _int(payload.get("seconds")),
            }
        if kind == "speech_extended":
            words = _match(r"(?P<n>.+) gets (?P<s>\d+) more seconds\.", text)
            return {
                "delegation": self.delegation(words["n"]),
                "name": words["n"],
                "seconds": int(words["s"]),
            }
        if kind == "speech_ended":
            if text.startswith("Time: "):
                name = _match(r"Time: (?P<n>.+)'s speaking time is over\.", text)["n"]
                timed_out = True
            else:
                name = _match(r"(?P<n>.+) yields the floor\.", text)["n"]
                timed_out = False
            return {"delegation": self.delegation(name), "name": name, "timed_out": timed_out}
        if kind == "speech_yielded":
            to = _str(payload.get("yield"))
            if to == "chair":
                name = _match(r"(?P<n>.+) yields to the chair\.", text)["n"]
                seconds, other = 0, None
            elif to == "questions":
                words = _match(r"(?P<n>.+) yields (?P<s>\d+) s to questions\.", text)
                name, seconds, other = words["n"], int(words["s"]), None
            else:
                words = _match(r"(?P<n>.+?) yields (?P<s>\d+) s to (?P<o>.+)\.", text)
                name, seconds, other = words["n"], int(words["s"]), words["o"]
            return {
                "delegation": self.delegation(name),
                "name": name,
                "yield_to": to,
                "seconds": seconds,
                "to_delegation": self.delegation(other) if other else None,
                "to_name": other or "",
            }
        if kind == "motion_moved":
            fields = self.motion(payload.get("motion"))
            mover = self.motions[fields["motion"]].mover_id
            name = _match(r"(?P<n>.+?) moves .+\.", text)["n"]
            if mover is None or self.names.get(name) != [mover]:
                raise Unconvertible("mover")
            return {**fields, "mover": mover, "mover_name": name}
        if kind == "vote_opened":
            return self.motion(payload.get("motion"))
        if kind in ("motion_passed", "motion_failed"):
            return self.decided(payload)
        if kind == "placard":
            words = _match(r"(?P<n>.+): (?:yes|no|abstain)\.", text)
            return {
                "motion": _int(payload.get("motion")),
                "delegation": self.delegation(words["n"]),
                "name": words["n"],
                "choice": _str(payload.get("choice")),
            }
        if kind == "rules_changed":
            return {}
        if kind == "floor_message":
            words = _match(r"(?P<who>.+?): (?P<body>.*)", text)
            author = "" if words["who"] == "The chair" else words["who"]
            return {
                "channel": _int(payload.get("channel")),
                "seq": _int(payload.get("seq")),
                "author": author,
                "body": words["body"],
            }
        # motion_withdrawn and motion_out_of_order named no motion; unknown kinds.
        raise Unconvertible(kind)


def convert_row(converter: Converter, kind: str, payload: Any) -> tuple[str, dict[str, Any]]:
    """The row's new kind and payload: converted, or kept as a legacy event."""
    if isinstance(payload, dict) and "text" not in payload and kind != "legacy":
        return kind, payload  # converted already (a re-run)
    if kind == "legacy":
        return kind, payload
    old = payload if isinstance(payload, dict) else {}
    try:
        return kind, converter.convert(kind, old)
    except (Unconvertible, TypeError, ValueError):
        rest = {k: v for k, v in old.items() if k != "text"}
        text = old.get("text")
        return "legacy", {
            "legacy_text": str(text) if text else kind.replace("_", " "),
            "legacy_kind": kind,
            "legacy_payload": rest,
        }


def forwards(apps: Any, schema_editor: Any) -> None:
    Session = apps.get_model("proceedings", "Session")
    Event = apps.get_model("proceedings", "Event")
    for session in Session.objects.filter(pk__in=Event.objects.values("session_id")).iterator():
        converter = Converter(apps, session)
        changed = []
        for event in Event.objects.filter(session_id=session.pk).order_by("seq"):
            kind, payload = convert_row(converter, event.kind, event.payload)
            if (kind, payload) != (event.kind, event.payload):
                event.kind, event.payload = kind, payload
                changed.append(event)
        Event.objects.bulk_update(changed, ["kind", "payload"], batch_size=500)


def backwards(apps: Any, schema_editor: Any) -> None:
    Event = apps.get_model("proceedings", "Event")
    for event in Event.objects.filter(kind="legacy").iterator():
        payload = event.payload if isinstance(event.payload, dict) else {}
        event.kind = payload.get("legacy_kind") or "legacy"
        event.payload = {
            "text": payload.get("legacy_text", ""),
            **payload.get("legacy_payload", {}),
        }
        event.save(update_fields=["kind", "payload"])


class Migration(migrations.Migration):
    dependencies = [
        ("delegations", "0001_initial"),
        ("proceedings", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=40),
        ),
        migrations.RunPython(forwards, backwards),
    ]
