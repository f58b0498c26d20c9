"""Running statistics of a pipeline stream, what an operator sees in /diagnostics.

ROS-free so the node and the benchmark count the same way. Two views of every count:
- lifetime totals (frames processed, dropped, stale; bad inputs by kind), the values an operator
  reads to see what ever happened;
- a recent window (`horizon_s`, the node's diagnostics_window_s): what levels are judged on, so
  one bad frame at start-up or one slow first frame does not keep the node at WARN for ever.
The clock is injectable, so recovery is tested without sleeping.
"""
from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable, Deque

import numpy as np

DEFAULT_HORIZON_S = 10.0


@dataclass
class StreamStats:
    horizon_s: float = DEFAULT_HORIZON_S  # the recent window levels are judged on
    clock: Callable[[], float] = time.monotonic
    max_frames: int = 3000  # at most this many recent frames kept, however high the rate
    processed: int = 0
    dropped: int = 0
    stale: int = 0
    clock_resets: int = 0
    people: int = 0
    bad_inputs: Counter = field(default_factory=Counter)
    _frames: Deque[tuple[float, float]] = field(default_factory=deque)  # (when, latency s)
    _events: Deque[tuple[float, str]] = field(default_factory=deque)  # (when, bad-input kind)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record_frame(self, latency_s: float, people: int) -> None:
        with self._lock:
            self.processed += 1
            self.people = people
            self._frames.append((self.clock(), latency_s))
            while len(self._frames) > self.max_frames:
                self._frames.popleft()

    def record_dropped(self) -> None:
        with self._lock:
            self.dropped += 1

    def record_clock_reset(self) -> None:
        with self._lock:
            self.clock_resets += 1

    def record_stale(self) -> None:
        with self._lock:
            self.stale += 1

    def record_bad_input(self, kind: str) -> None:
        with self._lock:
            self.bad_inputs[kind] += 1
            self._events.append((self.clock(), kind))

    def _prune(self, now: float) -> None:
        for queue in (self._frames, self._events):
            while queue and now - queue[0][0] > self.horizon_s:
                queue.popleft()

    def recent_bad_inputs(self) -> Counter:
        """Bad inputs by kind within the recent window."""
        with self._lock:
            self._prune(self.clock())
            return Counter(kind for _, kind in self._events)

    def latency_ms(self, percentile: float) -> float:
        """Latency percentile of the frames processed within the recent window (0 when none)."""
        with self._lock:
            self._prune(self.clock())
            values = [latency for _, latency in self._frames]
        return float(np.percentile(values, percentile) * 1000.0) if values else 0.0

    def rate_hz(self) -> float:
        with self._lock:
            self._prune(self.clock())
            stamps = [when for when, _ in self._frames]
        if len(stamps) < 2:
            return 0.0
        return (len(stamps) - 1) / max(stamps[-1] - stamps[0], 1e-9)
