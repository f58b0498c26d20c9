"""Real processes over real DDS: start the node as the launch file would, talk to it from rclpy.

Each test module gets its own ROS_DOMAIN_ID, DDS stays on this host (LOCALHOST discovery), the
node loads our Fast DDS large-image profile, and every Fast DDS shared-memory file created
during the run is checked for at teardown.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node

from emotion_perception.node_process import NodeProcess as _NodeProcess
from emotion_perception.node_process import dds_profile, params_file

REPO = Path(__file__).resolve().parents[1]
PARAMS_FILE = params_file()
DDS_PROFILE = dds_profile()


def shm_files() -> set[str]:
    return {name for name in os.listdir("/dev/shm") if "fastdds" in name or "fastrtps" in name}


class NodeProcess(_NodeProcess):
    """The node as the launch file starts it, on the test module's own domain."""

    def __init__(self, domain_id: int, log: Path, remaps: dict[str, str], params: dict[str, str]) -> None:
        super().__init__(log, remaps, params, domain_id=domain_id)


class Tester:
    """An rclpy node in its own context on the test's domain."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, domain_id: int, name: str = "tester") -> None:
        # Both ends need the large-image profile (the publisher's default 512 KB segment loses
        # best-effort frames too); conftest sets it for this process before any participant.
        assert os.environ.get("FASTDDS_DEFAULT_PROFILES_FILE") == str(DDS_PROFILE)
        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain_id)
        self.node = Node(name, context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)

    def spin_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            self.executor.spin_once(timeout_sec=0.05)
        return condition()

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)
