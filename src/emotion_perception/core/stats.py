"""Running statistics of a pipeline stream, what an operator sees in /diagnostics.

ROS-free so the node and the benchmark count the same way: processed frames and their rate,
latency percentiles over a bounded recent window, people seen, frames dropped (replaced before
processing, or stale), and bad inputs by kind.
"""
from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Deque

import numpy as np


@dataclass
class StreamStats:
    window: int = 300  # latencies kept for percentiles
    processed: int = 0
    dropped: int = 0
    stale: int = 0
    clock_resets: int = 0
    people: int = 0
    bad_inputs: Counter = field(default_factory=Counter)
    _latencies: Deque[float] = field(default_factory=deque)
    _stamps: Deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record_frame(self, latency_s: float, people: int) -> None:
        with self._lock:
            self.processed += 1
            self.people = people
            self._latencies.append(latency_s)
            self._stamps.append(time.monotonic())
            while len(self._latencies) > self.window:
                self._latencies.popleft()
            while len(self._stamps) > self.window:
                self._stamps.popleft()

    def record_dropped(self) -> None:
        with self._lock:
            self.dropped += 1

    def record_stale(self) -> None:
        with self._lock:
            self.stale += 1

    def record_bad_input(self, kind: str) -> None:
        with self._lock:
            self.bad_inputs[kind] += 1

    def latency_ms(self, percentile: float) -> float:
        with self._lock:
            values = list(self._latencies)
        return float(np.percentile(values, percentile) * 1000.0) if values else 0.0

    def rate_hz(self, horizon_s: float = 5.0) -> float:
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._stamps if now - t <= horizon_s]
        if len(recent) < 2:
            return 0.0
        return (len(recent) - 1) / max(recent[-1] - recent[0], 1e-9)
