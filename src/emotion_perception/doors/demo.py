"""`emotion-perception demo`: the main job end to end, over real DDS, stopping by itself.

Real footage becomes a rosbag2; the node starts as the launch file starts it; the bag is
replayed into it; every emotion message is printed as it arrives and the debug-image stream is
written to a video. At the end the node's own diagnostics say what it processed and dropped.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..core.data_sources import debian_footage
from ..ros.emotion_message import summarize
from ..ros.launch_plan import DEFAULT_CAMERA_TOPIC as CAMERA_TOPIC
from ..ros.launch_plan import dds_profile
from ..ros.node_process import NodeProcess
from .bag.from_video import video_to_bag


@dataclass(frozen=True)
class DemoConfig:
    video: Path = field(default_factory=lambda: debian_footage("vtest.avi"))  # EMOTION_CACHE_DIR read when used
    frames: int = 100
    rate: float = 0.5
    tile_size: int = 256
    max_people: int = 6
    pose_model: str = "full"
    min_detection_confidence: float = 0.7  # pedestrians in a wide shot: fewer false people
    hri: bool = False  # also the REP-155 output, and print the /humans/bodies/... topics seen
    out_dir: Path = Path("out/demo")


class _DebugVideo:
    """Writes debug_image messages to an MP4 at the bag's frame rate."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path, self.fps, self.frames = path, fps, 0
        self._writer = None

    def write(self, message: Any) -> None:
        import cv2

        from ..ros.image_conversion import imgmsg_to_cv2

        bgr = imgmsg_to_cv2(message, "bgr8")
        if self._writer is None:
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps,
                                           (bgr.shape[1], bgr.shape[0]))
        self._writer.write(bgr)
        self.frames += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()


def describe(frame: dict, start_ns: int) -> list[str]:
    seconds = (frame["stamp_ns"] - start_ns) * 1e-9
    lines = []
    for person in frame["people"]:
        if person["label"]:
            lines.append(
                f"t={seconds:6.2f} s  person {person['id']:>3}: {person['label']:<10} "
                f"{person['confidence']:.2f}  valence {person['valence']:+.2f}  arousal {person['arousal']:+.2f}"
            )
        else:
            lines.append(
                f"t={seconds:6.2f} s  person {person['id']:>3}: (window filling, "
                f"{person['valid_frames']}/{person['window_length']} frames)"
            )
    return lines


def run_demo(config: Optional[DemoConfig] = None) -> int:
    config = config or DemoConfig()
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray
    from emotion_perception_msgs.msg import FrameEmotions
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image

    from .bag.replay import BagPlayer

    config.out_dir.mkdir(parents=True, exist_ok=True)
    bag = config.out_dir / f"{config.video.stem}_bag"
    if not bag.exists():
        summary = video_to_bag(config.video, bag, topic=CAMERA_TOPIC, max_frames=config.frames)
        print(
            f"[demo] bag from real footage: {bag} ({summary.frames} frames at {summary.fps:g} fps, "
            f"{config.video.name})",
            flush=True,
        )
    fps = _bag_fps(bag)
    params = {
        "tile_size": str(config.tile_size),
        "max_people": str(config.max_people),
        "min_detection_confidence": str(config.min_detection_confidence),
        "image_reliability": "reliable",
        "debug_image": "true",
        "hri": str(config.hri).lower(),
    }
    launch_arguments = {"camera_topic": CAMERA_TOPIC, "pose_model": config.pose_model}
    node = NodeProcess(config.out_dir / "node.log", launch_arguments, params)
    print(
        f"[demo] node started as the launch file would (params file + camera_topic:={CAMERA_TOPIC}); log: {node.log}",
        flush=True,
    )
    os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", str(dds_profile()))
    rclpy.init()
    listener = rclpy.create_node("emotion_perception_demo")
    executor = SingleThreadedExecutor()
    executor.add_node(listener)
    video = _DebugVideo(config.out_dir / "debug_image.mp4", fps * config.rate)
    received: list[dict] = []
    diagnostics: dict[str, str] = {}
    start_ns: list[int] = []

    first_message_at: list[float] = []
    bodies: set[str] = set()  # REP-155 topics seen on the graph (--hri)

    def on_emotions(message: FrameEmotions) -> None:
        first_message_at.append(first_message_at[0] if first_message_at else time.monotonic())
        frame = summarize(message)
        start_ns.append(start_ns[0] if start_ns else frame["stamp_ns"])
        received.append(frame)
        for line in describe(frame, start_ns[0]):
            print(line, flush=True)

    def on_diagnostics(message: DiagnosticArray) -> None:
        for status in message.status:
            if status.name.startswith("emotion_perception"):
                diagnostics.update(
                    {v.key: v.value for v in status.values}, level=str(status.level[0]), message=status.message
                )

    reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    listener.create_subscription(FrameEmotions, "/emotions", on_emotions, 50)
    listener.create_subscription(Image, "/debug_image", video.write, reliable)
    listener.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 10)
    try:
        if not node.wait_for_output("active:", timeout=120):
            print(node.output())
            raise SystemExit("[demo] the node did not become active (its log is above)")
        player = BagPlayer(listener, bag, rate=config.rate, topics=[CAMERA_TOPIC])
        player.wait_for_subscribers(1, timeout_s=30, topics=[CAMERA_TOPIC])
        print(f"[demo] replaying at rate {config.rate:g}; emotion messages as they arrive:", flush=True)
        done = threading.Event()
        reports = []
        replay_started = time.monotonic()
        threading.Thread(target=lambda: (reports.append(player.play()), done.set()), daemon=True).start()
        next_look = time.monotonic()
        while not done.is_set():
            executor.spin_once(timeout_sec=0.05)
            if config.hri and time.monotonic() >= next_look:  # a graph query, twice a second
                next_look += 0.5
                bodies.update(name for name, _ in listener.get_topic_names_and_types() if name.startswith("/humans/"))
        _spin_until_quiet(executor, received, quiet_s=2.0, limit_s=15.0)
        _spin_for(executor, 1.5)  # one more diagnostics period
    finally:
        video.close()
        executor.shutdown(timeout_sec=1.0)
        listener.destroy_node()
        rclpy.try_shutdown()
        node.interrupt()
    sent = reports[0].published[CAMERA_TOPIC] if reports else 0
    people = {p["id"] for f in received for p in f["people"]}
    estimates = [p["label"] for f in received for p in f["people"] if p["label"]]
    print(
        f"[demo] {sent} images replayed; {len(received)} emotion messages; {len(people)} people tracked; "
        f"{len(estimates)} emotion estimates",
        flush=True,
    )
    if diagnostics:
        for line in _accounting(sent, diagnostics):
            print(line, flush=True)
    if first_message_at:
        print(f"[demo] the first emotion message came {first_message_at[0] - replay_started:.1f} s after the first "
              "image: MediaPipe's landmarkers start on the first frame (one per detection tile)", flush=True)
    if config.hri:
        print(f"[demo] REP-155 topics seen ({len(bodies)}):", flush=True)
        for name in sorted(bodies):
            print(f"  {name}", flush=True)
    print(f"[demo] debug-image video: {video.path.resolve()} ({video.frames} frames)", flush=True)
    return 0 if received and estimates and video.frames else 1


def _accounting(sent: int, diagnostics: dict[str, str]) -> list[str]:
    """Where every replayed image went, from the node's own counts."""
    counts = {key: int(diagnostics.get(key, 0)) for key in ("frames_processed", "frames_dropped", "frames_stale")}
    bad = sum(int(value) for key, value in diagnostics.items() if key.startswith("bad_input."))
    missing = sent - sum(counts.values()) - bad
    return [f"[demo] of {sent} images the node processed {counts['frames_processed']}, replaced "
            f"{counts['frames_dropped']} unprocessed by a newer one (it keeps only the newest frame), dropped "
            f"{counts['frames_stale']} as stale (older than max_frame_age_s when its turn came), refused {bad} as bad "
            f"input" + (f"; {missing} never reached it" if missing else ""),
            f"[demo] node latency p50 {diagnostics.get('latency_p50_ms')} ms, p95 {diagnostics.get('latency_p95_ms')} "
            f"ms on {diagnostics.get('device')}"]


def _bag_fps(bag: Path) -> float:
    from .bag.images import read_images

    stamps = [image.stamp_ns for image in read_images(bag, max_frames=2)]
    return 1e9 / (stamps[1] - stamps[0]) if len(stamps) == 2 and stamps[1] > stamps[0] else 10.0


def _spin_for(executor: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)


def _spin_until_quiet(executor: Any, received: list, quiet_s: float, limit_s: float) -> None:
    """Spins until no emotion message arrived for `quiet_s` (the node has drained)."""
    deadline = time.monotonic() + limit_s
    count, last_change = len(received), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last_change < quiet_s:
        executor.spin_once(timeout_sec=0.05)
        if len(received) != count:
            count, last_change = len(received), time.monotonic()


def main_args(parser) -> None:
    defaults = DemoConfig()
    parser.add_argument("--video", type=Path, default=defaults.video, help="footage to turn into the demo bag")
    parser.add_argument("--frames", type=int, default=defaults.frames, help="frames of the footage to put in the bag")
    parser.add_argument("--rate", type=float, default=defaults.rate,
                        help="replay rate (below 1: slower than recorded, so this CPU keeps up)")
    parser.add_argument("--tile-size", type=int, default=defaults.tile_size,
                        help="detection tile size in pixels (0: no tiles); tiles find small, distant people")
    parser.add_argument("--max-people", type=int, default=defaults.max_people, help="people tracked at once")
    parser.add_argument("--pose-model", default=defaults.pose_model, choices=("lite", "full", "heavy"),
                        help="MediaPipe pose landmarker")
    parser.add_argument("--out-dir", type=Path, default=defaults.out_dir, help="where the bag and the video go")
    parser.add_argument("--hri", action="store_true",
                        help="also publish ROS4HRI bodies (REP-155) and print the /humans/bodies/... topics seen")


def from_args(args) -> DemoConfig:
    return DemoConfig(
        video=args.video,
        frames=args.frames,
        rate=args.rate,
        tile_size=args.tile_size,
        max_people=args.max_people,
        pose_model=args.pose_model,
        out_dir=args.out_dir,
        hri=args.hri,
    )
