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
from typing import Optional

from ..core.data_sources import REPOSITORY_ROOT, installed_share_paths


def config_file(name: str) -> Path:
    """config/NAME from this checkout, else from the installed package's share directory."""
    for candidate in [REPOSITORY_ROOT / "config" / name, *installed_share_paths("emotion_perception", "config", name)]:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"config/{name} not found in the checkout or any AMENT_PREFIX_PATH share directory")


def params_file() -> Path:
    return config_file("emotion_perception.yaml")


def dds_profile() -> Path:
    return config_file("fastdds_large_images.xml")


def ros_environment(domain_id: Optional[int] = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ROS_AUTOMATIC_DISCOVERY_RANGE=env.get("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST"),
               FASTDDS_DEFAULT_PROFILES_FILE=env.get("FASTDDS_DEFAULT_PROFILES_FILE", str(dds_profile())),
               PYTHONUNBUFFERED="1")
    if domain_id is not None:
        env["ROS_DOMAIN_ID"] = str(domain_id)
    return env


DEFAULT_CAMERA_TOPIC = "/camera/image_raw"  # the launch file's camera_topic default


def launch_remaps(camera_topic: str) -> dict[str, str]:
    """The launch file's remappings for `camera_topic:=...`."""
    return {"image": camera_topic, "image/compressed": camera_topic + "/compressed"}


class NodeProcess:
    """emotion_perception_node --ros-args --params-file config/emotion_perception.yaml -r ... -p ..."""

    def __init__(self, log: Path, remaps: dict[str, str], params: dict[str, str],
                 domain_id: Optional[int] = None) -> None:
        command = ["emotion_perception_node", "--ros-args", "--params-file", str(params_file())]
        for source, target in remaps.items():
            command += ["-r", f"{source}:={target}"]
        for name, value in params.items():
            command += ["-p", f"{name}:={value}"]
        self.log = Path(log)
        self._log_file = open(self.log, "w")
        self.process = subprocess.Popen(command, env=ros_environment(domain_id), stdout=self._log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)

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


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise ProcessLookupError(pid)
