"""Real processes over real DDS: start the node as the launch file would, talk to it from rclpy.

Each test module gets its own ROS_DOMAIN_ID, DDS stays on this host (LOCALHOST discovery), the
node loads our Fast DDS large-image profile, and every Fast DDS shared-memory file created
during the run is checked for at teardown.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Optional

import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node

REPO = Path(__file__).resolve().parents[1]
PARAMS_FILE = REPO / "config" / "emotion_perception.yaml"
DDS_PROFILE = REPO / "config" / "fastdds_large_images.xml"


def ros_environment(domain_id: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ROS_DOMAIN_ID=str(domain_id), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST",
               FASTDDS_DEFAULT_PROFILES_FILE=str(DDS_PROFILE), PYTHONUNBUFFERED="1")
    return env


def shm_files() -> set[str]:
    return {name for name in os.listdir("/dev/shm") if "fastdds" in name or "fastrtps" in name}


class NodeProcess:
    """emotion_perception_node --ros-args --params-file config/emotion_perception.yaml -r ... -p ..."""

    def __init__(self, domain_id: int, log: Path, remaps: dict[str, str], params: dict[str, str]) -> None:
        command = ["emotion_perception_node", "--ros-args", "--params-file", str(PARAMS_FILE)]
        for source, target in remaps.items():
            command += ["-r", f"{source}:={target}"]
        for name, value in params.items():
            command += ["-p", f"{name}:={value}"]
        self.log = log
        self._log_file = open(log, "w")
        self.process = subprocess.Popen(command, env=ros_environment(domain_id), stdout=self._log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        self._log_file.flush()
        return self.log.read_text()

    def wait_for_output(self, text: str, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def interrupt(self, timeout: float = 5.0) -> Optional[float]:
        """SIGINT; returns seconds until exit (None if it had to be killed)."""
        start = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
            return time.monotonic() - start
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            return None
        finally:
            self._log_file.close()


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
