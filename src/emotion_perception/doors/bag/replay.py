"""`bag replay`: a bag's messages back onto DDS, as recorded, through rclpy.

Each message is published as its recorded serialized bytes (no decode and re-encode, so what
arrives is what was recorded) on its recorded schedule divided by `rate`. With `loop` the bag
starts over, so header stamps jump back in time, as with `ros2 bag play --loop`; with `clock`
the bag's time is published on /clock (40 Hz between messages) for nodes run with use_sim_time.
"""
from __future__ import annotations

import importlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ...ros.stamps import set_stamp

CLOCK_HZ = 40.0


@dataclass
class PlayReport:
    published: Counter = field(default_factory=Counter)
    loops: int = 0
    seconds: float = 0.0


def parse_remaps(pairs: list[str]) -> dict[str, str]:
    remaps = {}
    for pair in pairs:
        source, separator, target = pair.partition(":=")
        if not separator or not source or not target:
            raise ValueError(f"remap must look like /from:=/to, got '{pair}'")
        remaps[source] = target
    return remaps


def message_class(msgtype: str) -> type:
    """The rclpy class of 'pkg/msg/Name', which must be importable (built and sourced)."""
    package, _, name = msgtype.split("/")
    return getattr(importlib.import_module(f"{package}.msg"), name)


class BagPlayer:
    def __init__(self, node: Any, bag: Path, rate: float = 1.0, loop: bool = False, clock: bool = False,
                 remaps: Optional[dict[str, str]] = None, topics: Optional[list[str]] = None) -> None:
        from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
        from rosbags.rosbag2 import Reader

        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.node, self.bag, self.rate, self.loop = node, Path(bag), rate, loop
        remaps = remaps or {}
        qos = QoSProfile(depth=10, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.VOLATILE)
        with Reader(self.bag) as reader:
            self._connections = [c for c in reader.connections if topics is None or c.topic in topics]
            self._start_ns = reader.start_time
        self._publishers = {}
        for connection in self._connections:
            if connection.topic not in self._publishers:
                self._publishers[connection.topic] = node.create_publisher(
                    message_class(connection.msgtype), remaps.get(connection.topic, connection.topic), qos)
        self._clock = None
        if clock:
            from rosgraph_msgs.msg import Clock

            self._clock = node.create_publisher(Clock, "/clock", 10)
            self._clock_type = Clock

    def wait_for_subscribers(self, count: int = 1, timeout_s: float = 30.0, topics: Optional[list[str]] = None) -> bool:
        """Waits until every (or every named) topic has `count` subscribers; a reliable first
        message sent before discovery completes would be lost."""
        chosen = [p for t, p in self._publishers.items() if topics is None or t in topics]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(p.get_subscription_count() >= count for p in chosen):
                time.sleep(0.5)
                return True
            time.sleep(0.05)
        return False

    def play(self, stop: Optional[threading.Event] = None, max_loops: Optional[int] = None) -> PlayReport:
        from rosbags.rosbag2 import Reader

        stop = stop or threading.Event()
        report = PlayReport()
        started = time.monotonic()
        while not stop.is_set():
            loop_start = time.monotonic()
            with Reader(self.bag) as reader:
                wanted = [c for c in reader.connections if c.topic in self._publishers]
                for connection, log_time, raw in reader.messages(connections=wanted):
                    due = loop_start + (log_time - self._start_ns) * 1e-9 / self.rate
                    if not self._wait_until(due, log_time, loop_start, stop):
                        break
                    self._publishers[connection.topic].publish(bytes(raw))
                    report.published[connection.topic] += 1
            report.loops += 1
            if not self.loop or (max_loops is not None and report.loops >= max_loops):
                break
        report.seconds = time.monotonic() - started
        return report

    def _wait_until(self, due: float, log_time: int, loop_start: float, stop: threading.Event) -> bool:
        """Sleeps until `due` (publishing the bag clock meanwhile); False when asked to stop."""
        while True:
            now = time.monotonic()
            if self._clock is not None:
                bag_now = self._start_ns + int((now - loop_start) * self.rate * 1e9)
                self._publish_clock(min(bag_now, log_time))
            if now >= due:
                return not stop.is_set()
            if stop.wait(min(due - now, 1.0 / CLOCK_HZ if self._clock is not None else due - now)):
                return False

    def _publish_clock(self, bag_time_ns: int) -> None:
        message = self._clock_type()
        set_stamp(message.clock, bag_time_ns)
        self._clock.publish(message)
