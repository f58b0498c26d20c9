"""Starts the node in its own process exactly as the launch file would, where `launch` is absent.

Same executable, same parameters file, same remaps (image and image/compressed onto the camera
topic), same Fast DDS large-image profile; the demo, the benchmark and the tests all start the
node through this, so what they show is what `ros2 launch` runs.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Mapping, Optional, Sequence

from .launch_plan import dds_profile, plan


def ros_environment(domain_id: Optional[int] = None,
                    launch_environment: Optional[dict[str, str]] = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ROS_AUTOMATIC_DISCOVERY_RANGE=env.get("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST"),
               FASTDDS_DEFAULT_PROFILES_FILE=env.get("FASTDDS_DEFAULT_PROFILES_FILE", str(dds_profile())),
               PYTHONUNBUFFERED="1")
    env.update({k: v for k, v in (launch_environment or {}).items() if k not in os.environ})
    if domain_id is not None:
        env["ROS_DOMAIN_ID"] = str(domain_id)
    return env


class NodeProcess:
    """The node as `ros2 launch emotion_perception emotion_perception.launch.py ARGUMENTS` starts it
    (launch_plan.plan), plus `parameters` that stand for values in the user's parameters file."""

    def __init__(self, log: Path, arguments: Optional[Mapping[str, str]] = None,
                 parameters: Optional[Mapping[str, str]] = None, domain_id: Optional[int] = None,
                 executable: Optional[Sequence[str]] = None) -> None:
        launch = plan(arguments or {})
        # `executable` stands in for the node's (the benchmark's callback-design node), same arguments
        self.command = [*(executable or []), *launch.command(parameters)[1 if executable else 0:]]
        self.log = Path(log)
        self._log_file = open(self.log, "w")
        self.process = subprocess.Popen(self.command, env=ros_environment(domain_id, launch.environment),
                                        stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        if not self._log_file.closed:
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
        """SIGINT (as Ctrl-C in ros2 launch); returns seconds until exit (None if it had to be killed)."""
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


def _status_bytes(pid: int | str, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise ProcessLookupError(pid)


def rss_bytes(pid: int | str) -> int:
    """Resident set size of a process (Linux /proc)."""
    return _status_bytes(pid, "VmRSS")


def peak_rss_bytes(pid: int | str) -> int:
    """The process's peak resident set size (VmHWM; writing 5 to /proc/PID/clear_refs resets it)."""
    return _status_bytes(pid, "VmHWM")
