"""builtin_interfaces/Time <-> integer nanoseconds and float seconds, written once.

Duck-typed (anything with `sec` and `nanosec`, or a header with `stamp`), so rclpy messages,
rosbags messages and test doubles all convert the same way. Nanoseconds are the exact form;
seconds (float) are what the pipeline takes.
"""
from __future__ import annotations

from typing import Any

NS_PER_S = 1_000_000_000


def _time(header_or_time: Any) -> Any:
    return getattr(header_or_time, "stamp", header_or_time)


def stamp_ns(header_or_time: Any) -> int:
    time = _time(header_or_time)
    return int(time.sec) * NS_PER_S + int(time.nanosec)


def stamp_seconds(header_or_time: Any) -> float:
    return seconds_of(stamp_ns(header_or_time))


def seconds_of(ns: int) -> float:
    # ns * 1e-9, as the goldens were made. ns / 1e9 differs by one float step (0.24 us at today's
    # epoch) and that step alone moved the tiled golden's probabilities by up to 0.19 (a fragility
    # of its own, not fixed here): every door converts this one way, so all see identical stamps.
    return ns * 1e-9


def time_fields(ns: int) -> tuple[int, int]:
    """(sec, nanosec) of a stamp in nanoseconds."""
    sec, nanosec = divmod(int(ns), NS_PER_S)
    return sec, nanosec


def set_stamp(header_or_time: Any, ns: int) -> None:
    time = _time(header_or_time)
    time.sec, time.nanosec = time_fields(ns)
