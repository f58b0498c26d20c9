"""One warning per kind per interval: a camera sending bad frames at 30 Hz must not flood the log,
and the first of each kind must still be seen."""
from __future__ import annotations

import time
from typing import Any

LOG_INTERVAL_S = 5.0


class ThrottledWarnings:
    def __init__(self, logger: Any, interval_s: float = LOG_INTERVAL_S) -> None:
        self._logger, self._interval_s = logger, interval_s
        self._last: dict[str, float] = {}

    def warn(self, kind: str, message: str) -> None:
        now = time.monotonic()
        if now - self._last.get(kind, -1e9) >= self._interval_s:
            self._last[kind] = now
            self._logger.warning(message)
