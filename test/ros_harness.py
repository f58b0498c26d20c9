"""Real processes over real DDS: start the node as the launch file would, talk to it from rclpy.

Each test module gets its own ROS_DOMAIN_ID, DDS stays on this host (LOCALHOST discovery), the
node loads our Fast DDS large-image profile, and every Fast DDS shared-memory file created
during the run is checked for at teardown.
"""
from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from emotion_perception_msgs.msg import FrameEmotions
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image

from emotion_perception.ros.image_conversion import cv2_to_imgmsg
from emotion_perception.ros.launch_plan import dds_profile, params_file
from emotion_perception.ros.node_process import NodeProcess as _NodeProcess
from emotion_perception.ros.node_process import peak_rss_bytes
from emotion_perception.ros.stamps import NS_PER_S, set_stamp, stamp_seconds

REPO = Path(__file__).resolve().parents[1]
PARAMS_FILE = params_file()
DDS_PROFILE = dds_profile()


_DOMAINS_PER_PROCESS = 10
_next_domain = itertools.count()


def allocate_domain_id() -> int:
    """A ROS domain id no other test of this run uses: a block of ten per pytest process (by pid),
    one id per call, so modules and concurrent runs never share a domain."""
    index = next(_next_domain)
    assert index < _DOMAINS_PER_PROCESS, "more private domains than one test run's block"
    return 10 + (os.getpid() % 20) * _DOMAINS_PER_PROCESS + index


def shm_files() -> set[str]:
    return {name for name in os.listdir("/dev/shm") if "fastdds" in name or "fastrtps" in name}


# Fast DDS shared-memory files that this test run's own processes (the test process and the node
# processes it started) had mapped: the only ones a leftover check may blame on us.
OWN_SHM_FILES: set[str] = set()


def mapped_shm_files(pid: int | str) -> set[str]:
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:  # gone, or not ours to read
        return set()
    return {Path(line.split()[-1]).name for line in maps.splitlines() if "/dev/shm/" in line
            and ("fastdds" in line or "fastrtps" in line)}


def shm_files_in_use() -> set[str]:
    """Files some live process on this host still maps (another Fast DDS user's, or ours)."""
    return set().union(*(mapped_shm_files(pid) for pid in os.listdir("/proc") if pid.isdigit()))


def own_shm_leftovers() -> set[str]:
    """Our processes' files that still exist although no live process maps them (the caller
    leaves out those that existed before it started)."""
    return (OWN_SHM_FILES & shm_files()) - shm_files_in_use()


class NodeProcess(_NodeProcess):
    """The node as the launch file starts it (launch arguments, then values a parameters file would
    hold), on the test module's own domain."""

    def __init__(self, domain_id: int, log: Path, arguments: dict[str, str], params: dict[str, str]) -> None:
        super().__init__(log, arguments, params, domain_id=domain_id)

    def interrupt(self, timeout: float = 5.0):
        OWN_SHM_FILES.update(mapped_shm_files(self.pid))
        return super().interrupt(timeout)


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
        OWN_SHM_FILES.update(mapped_shm_files(os.getpid()))
        self.executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


FPS = 5.0
BASE_STAMP = 1_000_000.0  # sources' clock, far from "now": a copied stamp cannot be confused with one made up
RELIABLE = QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE)


def stamp_of(index: int) -> float:
    return BASE_STAMP + index / FPS


def image_message(rgb: np.ndarray, index: int) -> Image:
    msg = cv2_to_imgmsg(np.ascontiguousarray(rgb), "rgb8")
    set_stamp(msg.header, int(round(stamp_of(index) * NS_PER_S)))
    msg.header.frame_id = "camera_optical_frame"
    return msg


def compressed_message(rgb: np.ndarray, index: int, data: bytes | None = None) -> CompressedImage:
    msg = CompressedImage()
    msg.header = image_message(rgb[:2, :2], index).header
    msg.format = "jpeg"
    msg.data = data if data is not None else cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes()
    return msg


def header_seconds(msg) -> float:
    return stamp_seconds(msg.header)


class Session:
    """A node process plus a tester that publishes frames and collects what comes back."""

    def __init__(
        self, domain_id: int, tmp_path: Path, model: Path | str, compressed: bool = False, **params: str
    ) -> None:
        topic = "/camera/image_raw"
        arguments = {"camera_topic": topic, "compressed": str(compressed).lower()}
        self.node = NodeProcess(domain_id, tmp_path / "node.log", arguments, {"model_path": str(model), **params})
        self.tester = Tester(domain_id)
        kind, name = (CompressedImage, f"{topic}/compressed") if compressed else (Image, topic)
        self.publisher = self.tester.node.create_publisher(kind, name, RELIABLE)
        self.emotions: list[FrameEmotions] = []
        self.diagnostics: list[DiagnosticArray] = []
        self.debug: list[Image] = []
        node = self.tester.node
        node.create_subscription(FrameEmotions, "/emotions", self.emotions.append, RELIABLE)
        node.create_subscription(DiagnosticArray, "/diagnostics", self.diagnostics.append, 10)
        node.create_subscription(Image, "/debug_image", self.debug.append, RELIABLE)

    def wait_until_listening(self, timeout: float = 90.0) -> None:
        assert self.tester.spin_until(lambda: self.publisher.get_subscription_count() > 0, timeout), self.node.output()
        self.tester.spin_until(lambda: False, 0.5)  # let the match settle before the first reliable publish

    def send(self, msg, timeout: float = 10.0, publisher=None):
        """Publishes one frame (on the session's camera publisher unless another is given);
        returns the emotions message with its stamp."""
        stamp = header_seconds(msg)
        (publisher or self.publisher).publish(msg)
        assert self.tester.spin_until(lambda: self.reply_for(stamp) is not None, timeout), (
            f"no emotions for stamp {stamp}\n{self.node.output()[-3000:]}"
        )
        return self.reply_for(stamp)

    def send_unanswered(self, msg, timeout: float = 10.0) -> None:
        """Publishes a frame the node must not answer: waits for the positive signal (two more
        /diagnostics from the node: it is alive, and a second has passed in which it could have
        answered), then checks the negative (no reply for the frame's stamp)."""
        stamp = header_seconds(msg)
        count = len(self.diagnostics)
        self.publisher.publish(msg)
        assert self.tester.spin_until(lambda: len(self.diagnostics) >= count + 2, timeout), self.node.output()[-3000:]
        assert self.reply_for(stamp) is None, "the frame was answered"

    def reply_for(self, stamp: float):
        """The emotions message carrying this source stamp, if the node sent one."""
        return next((e for e in self.emotions if abs(header_seconds(e) - stamp) < 1e-6), None)

    def bad_input_count(self, kind: str) -> int:
        """The node's count of `kind` in the newest /diagnostics received (0 before any)."""
        for array in reversed(self.diagnostics):
            return int(next((kv.value for kv in array.status[0].values if kv.key == f"bad_input.{kind}"), 0))
        return 0

    def send_refused(self, msg, kind: str, timeout: float = 10.0) -> None:
        """Publishes a frame the node must refuse as `kind`: waits for the positive signal (the
        node's /diagnostics counting one more), then checks the negative (no reply for its stamp)."""
        stamp = header_seconds(msg)
        before = self.bad_input_count(kind)
        self.publisher.publish(msg)
        assert self.tester.spin_until(lambda: self.bad_input_count(kind) > before, timeout), \
            f"the node did not count a {kind} frame\n{self.node.output()[-3000:]}"
        assert self.reply_for(stamp) is None, "a refused frame was answered"

    def latest_diagnostic_values(self, timeout: float = 3.0) -> dict[str, str]:
        count = len(self.diagnostics)
        self.tester.spin_until(lambda: len(self.diagnostics) > count, timeout)
        status = self.diagnostics[-1].status[0]
        return {kv.key: kv.value for kv in status.values} | {"_level": status.level, "_message": status.message}

    def close(self) -> float | None:
        self.tester.close()
        return self.node.interrupt()


def call_transition(tester: Tester, transition: int) -> bool:
    client = tester.node.create_client(ChangeState, "/emotion_perception/change_state")
    assert client.wait_for_service(timeout_sec=30.0)
    future = client.call_async(ChangeState.Request(transition=Transition(id=transition)))
    assert tester.spin_until(future.done, 90.0)
    return future.result().success


def reset_peak_rss(pid: int) -> None:
    """Resets the kernel's peak-RSS mark (VmHWM) of a process, so the next reading is one case's."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(pid: int) -> float:
    return peak_rss_bytes(pid) / 2**20
