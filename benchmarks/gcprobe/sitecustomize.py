"""Loaded by the server processes fanout.py starts with --gc-log / --gc-tune (it puts this
folder first on PYTHONPATH; Python imports `sitecustomize` at start-up). Not app code.

PLENARY_BENCH_GC_LOG=1     write every garbage collection that pauses > 2 ms to stderr
                           ("GCPAUSE gen=2 ms=185.2 t=<time.time()>"), for fanout.py to sum
PLENARY_BENCH_GC_TUNE=...  an experiment, to test the cure for those pauses:
    threshold  gc.set_threshold(20_000, 20, 20): young collections 30x rarer
    freeze     gc.collect(); gc.freeze() on SIGUSR1 (fanout.py sends it once the server is
               warm, before the clients connect): start-up objects leave the collector's scans
    both       the two together
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from typing import Any

_started = [0.0]


def _log_pause(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    ms = (time.perf_counter() - _started[0]) * 1000
    if ms > 2:
        sys.stderr.write(f"GCPAUSE gen={info['generation']} ms={ms:.1f} t={time.time():.3f}\n")


def _freeze(signum: int, frame: object) -> None:
    gc.collect()
    gc.freeze()
    sys.stderr.write(f"GCFROZEN objects={gc.get_freeze_count()}\n")


if os.environ.get("PLENARY_BENCH_GC_LOG"):
    gc.callbacks.append(_log_pause)
_tune = os.environ.get("PLENARY_BENCH_GC_TUNE", "")
if _tune in ("threshold", "both"):
    gc.set_threshold(20_000, 20, 20)
if _tune in ("freeze", "both"):
    signal.signal(signal.SIGUSR1, _freeze)
