"""Summarise a py-spy profile taken by `fanout.py --py-spy PATH` (collapsed stacks).

    .venv/bin/python benchmarks/profile_summary.py /tmp/prof.txt [--top 20]

Prints where the server's samples go: by area (each sample charged to one area), then the functions with the most samples on top of the stack (self) and on the
stack at all (inclusive). Samples are taken only while the process runs Python, so the
percentages are of the server's busy time.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

# Each sample is charged to ONE area: that of the frame nearest the top of its stack that
# matches any area (so asyncio's socket write called by uvicorn is charged to uvicorn).
AREAS: dict[str, tuple[str, ...]] = {
    "database (psycopg, pool)": ("psycopg",),
    "template rendering": ("django/template",),
    "Django request, ORM, view (HTTP post path)": ("django/", "apps/lobby/", "asgiref/"),
    "channel layer (channels_redis, redis-py, msgpack)": ("channels_redis", "redis/", "msgpack"),
    "websockets library (frame encoding)": ("(websockets/",),
    "uvicorn websocket protocol + socket writes": ("uvicorn/protocols/websockets",),
    "uvicorn HTTP protocol (h11)": ("uvicorn/protocols/http", "h11/"),
    "Channels consumer + ASGI middleware": ("channels/", "apps/core/"),
    "daphne / autobahn / twisted": ("daphne/", "autobahn/", "twisted/"),
}


def area_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for area, needles in AREAS.items():
            if any(needle in frame for needle in needles):
                return area
    return "event loop and the rest (select, callbacks, thread pools)"


def parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append((frames.split(";"), int(count)))
    return stacks


def summarise(stacks: list[tuple[list[str], int]], top: int) -> str:
    total = sum(count for _, count in stacks) or 1
    areas: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        leaf[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
        areas[area_of(frames)] += count
    lines = [f"{total} samples", "", "By area (each sample charged once):"]
    lines += [f"  {100 * n / total:5.1f} %  {a}" for a, n in areas.most_common()]
    lines += ["", f"Top {top} self:"]
    lines += [f"  {100 * n / total:5.1f} %  {f}" for f, n in leaf.most_common(top)]
    lines += ["", f"Top {top} inclusive (below the event loop):"]
    skip = ("asyncio/", "<module>", "uvicorn/main.py", "uvicorn/server.py", "click/", "runpy.py")
    shown = [(f, n) for f, n in inclusive.most_common() if not any(s in f for s in skip)]
    lines += [f"  {100 * n / total:5.1f} %  {f}" for f, n in shown[:top]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path, help="collapsed stacks from py-spy --format raw")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    print(summarise(parse(args.profile), args.top))


if __name__ == "__main__":
    main()
