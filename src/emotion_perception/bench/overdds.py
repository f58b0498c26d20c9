"""Measurements through the running node over DDS: overload behaviour and memory over time.

The node runs in its own process, started as the launch file starts it. Images are published
with the wall-clock time in their header; the node copies that stamp into its output, so the
receive time minus the stamp is the end-to-end latency (publish, transport, queueing, decode,
processing, publish back), measured on one host with one clock.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..doors.bag.from_video import DEFAULT_START_NS
from ..ros.launch_plan import DEFAULT_CAMERA_TOPIC as CAMERA_TOPIC
from ..ros.launch_plan import dds_profile
from ..ros.node_process import NodeProcess, rss_bytes
from ..ros.stamps import NS_PER_S, set_stamp, stamp_seconds


@dataclass
class Phase:
    period_s: float
    sent: int = 0
    latencies_s: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        latencies = np.asarray(self.latencies_s) * 1000.0
        third = max(1, len(latencies) // 3)
        return {
            "input_hz": 1.0 / self.period_s, "sent": self.sent, "outputs": len(latencies),
            "dropped": self.sent - len(latencies), "outputs_per_s": len(latencies) / (self.sent * self.period_s),
            "latency_ms": {f"p{p}": float(np.percentile(latencies, p)) for p in (50, 95, 99)} if len(latencies) else {},
            # queue growth shows as latency rising through the phase
            "latency_p50_first_third_ms": float(np.median(latencies[:third])) if len(latencies) else float("nan"),
            "latency_p50_last_third_ms": float(np.median(latencies[-third:])) if len(latencies) else float("nan"),
        }


class LiveNode:
    """The node process plus an in-process rclpy publisher/listener on a private domain."""

    def __init__(self, work_dir: Path, params: dict[str, str], executable: Optional[list[str]] = None) -> None:
        import rclpy
        from emotion_perception_msgs.msg import FrameEmotions
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.qos import QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image

        os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", str(dds_profile()))
        self.domain_id = 90 + os.getpid() % 10  # private: never on a robot's own camera topic
        self.node = NodeProcess(work_dir / "bench_node.log", {"camera_topic": CAMERA_TOPIC}, params,
                                domain_id=self.domain_id, executable=executable)
        self.context = rclpy.context.Context()
        rclpy.init(context=self.context, domain_id=self.domain_id)
        self.ros = rclpy.create_node("emotion_perception_bench", context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.ros)
        self.publisher = self.ros.create_publisher(
            Image, CAMERA_TOPIC, QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE)
        )
        self.outputs = 0
        self._phase: Optional[Phase] = None
        self.ros.create_subscription(FrameEmotions, "/emotions", self._on_output, 100)
        if not self.node.wait_for_output("active:", timeout=120):
            raise RuntimeError(f"the node did not start:\n{self.node.output()}")
        deadline = time.monotonic() + 30
        while self.publisher.get_subscription_count() < 1 and time.monotonic() < deadline:
            self.executor.spin_once(timeout_sec=0.05)
        self.spin_for(0.5)

    def _on_output(self, message: Any) -> None:
        self.outputs += 1
        if self._phase is not None:
            stamp = stamp_seconds(message.header)
            self._phase.latencies_s.append(time.time() - stamp)

    def spin_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.executor.spin_once(timeout_sec=0.01)

    def run_phase(self, images: list, period_s: float, count: int) -> Phase:
        """Publishes `count` images every `period_s` (stamped now) and collects the latencies."""
        phase = self._phase = Phase(period_s)
        due = time.monotonic()
        for index in range(count):
            while time.monotonic() < due:
                self.executor.spin_once(timeout_sec=max(0.0, min(0.005, due - time.monotonic())))
            message = images[index % len(images)]
            now = time.time()
            set_stamp(message.header, int(now * NS_PER_S))
            self.publisher.publish(message)
            phase.sent += 1
            due += period_s
        self.spin_for(2.0)  # drain
        self._phase = None
        return phase

    def close(self) -> None:
        import rclpy

        self.executor.shutdown(timeout_sec=1.0)
        self.ros.destroy_node()
        rclpy.try_shutdown(context=self.context)
        self.node.interrupt()


def ros_images(rgb_frames: list[np.ndarray], fps: float = 30.0) -> list:
    """bgr8 Image messages stamped as a camera at `fps` would stamp them."""
    import cv2

    from ..ros.image_conversion import cv2_to_imgmsg

    images = []
    for index, rgb in enumerate(rgb_frames):
        image = cv2_to_imgmsg(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), "bgr8")
        set_stamp(image.header, DEFAULT_START_NS + int(index * NS_PER_S / fps))
        images.append(image)
    return images


def overload(rgb_frames: list[np.ndarray], processing_s: float, frames: int = 150) -> dict[str, Any]:
    """Unloaded (input at half the processing rate) against overloaded (twice the rate)."""
    images = ros_images(rgb_frames)
    with tempfile.TemporaryDirectory() as directory:
        live = LiveNode(Path(directory), {"debug_image": "false"})
        try:
            live.run_phase(images, 2.0 * processing_s, 20)  # warm-up, not reported
            unloaded = live.run_phase(images, 2.0 * processing_s, frames // 2).summary()
            loaded = live.run_phase(images, 0.5 * processing_s, frames).summary()
        finally:
            live.close()
    return {
        "processing_ms_per_frame": processing_s * 1000,
        "unloaded": unloaded,
        "overloaded_2x": loaded,
        "overload_p99_ratio": loaded["latency_ms"]["p99"] / unloaded["latency_ms"]["p99"],
        "queue_growth_ratio": loaded["latency_p50_last_third_ms"] / loaded["latency_p50_first_third_ms"],
    }


CALLBACK_NODE = [sys.executable, "-m", "emotion_perception.bench.callback_node"]


def callback_design(rgb_frames: list[np.ndarray], processing_s: float, frames: int = 150) -> dict[str, Any]:
    """Our node (callback fills a one-frame slot, a worker processes) against the same pipeline
    run inside the subscription callback (bench/callback_node.py), each fed at 1x and 2x the
    node's processing rate: latency from image stamp to message, messages out per second, frames
    dropped, RSS at the end."""
    images = ros_images(rgb_frames)
    designs: dict[str, Any] = {"processing_ms_per_frame": processing_s * 1000}
    for design, executable in (("worker", None), ("callback", CALLBACK_NODE)):
        with tempfile.TemporaryDirectory() as directory:
            live = LiveNode(Path(directory), {"debug_image": "false"}, executable=executable)
            try:
                live.run_phase(images, 2.0 * processing_s, 20)  # warm-up, not reported
                designs[design] = {rate: live.run_phase(images, processing_s / factor, frames).summary()
                                   for rate, factor in (("1x", 1.0), ("2x", 2.0))}
                designs[design]["rss_mb"] = rss_bytes(live.node.pid) / 2**20
            finally:
                live.close()
    return designs


def memory(
    rgb_frames: list[np.ndarray],
    fps: float,
    frames: int,
    warmup_frames: int,
    pose_model: str = "lite",
    samples: int = 20,
) -> dict[str, Any]:
    """Node RSS after warm-up and after `frames` frames of a looped clip, sampled along the way.
    Frames keep the clip's stamps, so every loop jumps back in time and the node resets, as with
    a looped bag; they are sent as fast as the node answers (its own pace, nothing queued)."""
    images = ros_images(rgb_frames, fps)
    with tempfile.TemporaryDirectory() as directory:
        live = LiveNode(
            Path(directory), {"debug_image": "false", "pose_model": pose_model, "image_reliability": "reliable"}
        )
        try:
            _closed_loop(live, images, warmup_frames)
            live.spin_for(0.3)
            baseline = rss_bytes(live.node.pid)
            trace = [(0, baseline)]
            step = max(1, frames // samples)
            done = 0
            started = time.monotonic()
            while done < frames:
                _closed_loop(live, images, min(step, frames - done), offset=done)
                done += min(step, frames - done)
                live.spin_for(0.3)  # idle: the last frame's buffers are freed before RSS is read
                trace.append((done, rss_bytes(live.node.pid)))
            seconds = time.monotonic() - started
        finally:
            live.close()
    final = trace[-1][1]
    return {
        "pose_model": pose_model,
        "warmup_frames": warmup_frames,
        "frames": frames,
        "seconds": seconds,
        "rss_after_warmup_mb": baseline / 2**20,
        "rss_final_mb": final / 2**20,
        "rss_growth_ratio": final / baseline - 1.0,
        "trace": [{"frames": n, "rss_mb": rss / 2**20} for n, rss in trace],
    }


def _closed_loop(live: LiveNode, images: list, count: int, offset: int = 0, timeout_s: float = 5.0) -> None:
    """Sends the next image once the node has answered the previous one: full speed, no backlog."""
    for index in range(offset, offset + count):
        answered = live.outputs
        live.publisher.publish(images[index % len(images)])
        deadline = time.monotonic() + timeout_s
        while live.outputs == answered and time.monotonic() < deadline:
            live.executor.spin_once(timeout_sec=0.01)
