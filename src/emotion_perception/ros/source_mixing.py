"""Two cameras on one image topic (a wrong remap) look like one camera whose people teleport:
the tracker makes new ids every few frames and nothing else complains. What gives it away is
frames whose source signature (frame_id, size, format) alternates, A B A, which one camera
changing its resolution (A A B B) never does. One odd frame (A A B A A: a malformed frame, a
driver switching resolution and back) returns once; two sources return again and again, so a
return counts as alternation only when another came within the recent window. ROS-free; the
node reports it in /diagnostics.
"""
from __future__ import annotations

import threading
import time
from typing import Hashable, Optional

from ..core.stats import DEFAULT_HORIZON_S

RECENT_S = DEFAULT_HORIZON_S  # an alternation this recent keeps diagnostics at WARN (the node passes its window)


class SourceMixingDetector:
    def __init__(self) -> None:
        self.alternations = 0  # lifetime total
        self._last: Optional[Hashable] = None
        self._before_last: Optional[Hashable] = None
        self._last_alternation = -float("inf")
        self._last_return = -float("inf")
        self._lock = threading.Lock()

    def observe(self, signature: Hashable, now: Optional[float] = None, horizon_s: float = RECENT_S) -> bool:
        """True when this frame's signature returns to the one before the last while the last
        differed, and another such return came within `horizon_s`: a pattern that repeats."""
        now = time.monotonic() if now is None else now
        with self._lock:
            returned = signature != self._last and signature == self._before_last
            if signature != self._last:
                self._before_last, self._last = self._last, signature
            if not returned:
                return False
            alternated = now - self._last_return <= horizon_s
            self._last_return = now
            if alternated:
                self.alternations += 1
                self._last_alternation = now
            return alternated

    def recent(self, now: Optional[float] = None, horizon_s: float = RECENT_S) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            return now - self._last_alternation <= horizon_s
