"""The node over real DDS, in its own process, started exactly as the launch file starts it.

Real footage (pose_squats.mp4, one person) goes in as Image and as CompressedImage; emotions come
out with the sources' stamps. Lifecycle, bad input and shutdown are specified the same way.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image

from emotion_perception_msgs.msg import FrameEmotions
from emotion_perception.image_conversion import cv2_to_imgmsg
from emotion_perception.smoothing import DEFAULT_MIN_CONFIDENCE
from ros_harness import REPO, NodeProcess, Tester, shm_files

FPS = 5.0
BASE_STAMP = 1_000_000.0  # sources' clock, far from "now": a copied stamp cannot be confused with one made up
RELIABLE = QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE)
ARTIFACTS = REPO / "out" / "test-artifacts"


@pytest.fixture(scope="module")
def domain_id() -> int:
    return 20 + os.getpid() % 180


@pytest.fixture(scope="module", autouse=True)
def no_leftover_shared_memory():
    before = shm_files()
    yield
    time.sleep(0.5)
    assert shm_files() - before == set(), "Fast DDS shared-memory files left behind"


@pytest.fixture(scope="module")
def frames(squats_frames) -> list[np.ndarray]:
    """The real squat footage at half resolution (360x640): real pixels, quicker DDS."""
    return [cv2.resize(f, (360, 640), interpolation=cv2.INTER_AREA) for f in squats_frames]


def stamp_of(index: int) -> float:
    return BASE_STAMP + index / FPS


def image_message(rgb: np.ndarray, index: int) -> Image:
    msg = cv2_to_imgmsg(np.ascontiguousarray(rgb), "rgb8")
    msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(int(round(stamp_of(index) * 1e9)), 1_000_000_000)
    msg.header.frame_id = "camera_optical_frame"
    return msg


def compressed_message(rgb: np.ndarray, index: int, data: bytes | None = None) -> CompressedImage:
    msg = CompressedImage()
    msg.header = image_message(rgb[:2, :2], index).header
    msg.format = "jpeg"
    msg.data = data if data is not None else cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes()
    return msg


def header_seconds(msg) -> float:
    return msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9


class Session:
    """A node process plus a tester that publishes frames and collects what comes back."""

    def __init__(self, domain_id: int, tmp_path: Path, model: Path | str, compressed: bool = False, **params: str) -> None:
        topic = "/camera/image_raw"
        remaps = {"image/compressed": f"{topic}/compressed"} if compressed else {"image": topic}
        params = {"model_path": str(model), "compressed": str(compressed).lower(), **params}
        self.node = NodeProcess(domain_id, tmp_path / "node.log", remaps, params)
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

    def send(self, msg, expect_reply: bool = True, timeout: float = 10.0):
        """Publishes one frame; returns the emotions message with its stamp (or None)."""
        stamp = header_seconds(msg)
        self.publisher.publish(msg)
        found = lambda: next((e for e in self.emotions if abs(header_seconds(e) - stamp) < 1e-6), None)
        if not expect_reply:
            self.tester.spin_until(lambda: False, 0.4)
            return found()
        assert self.tester.spin_until(lambda: found() is not None, timeout), \
            f"no emotions for stamp {stamp}\n{self.node.output()[-3000:]}"
        return found()

    def latest_diagnostic_values(self, timeout: float = 3.0) -> dict[str, str]:
        count = len(self.diagnostics)
        self.tester.spin_until(lambda: len(self.diagnostics) > count, timeout)
        status = self.diagnostics[-1].status[0]
        return {kv.key: kv.value for kv in status.values} | {"_level": status.level, "_message": status.message}

    def close(self) -> float | None:
        self.tester.close()
        return self.node.interrupt()


@pytest.fixture
def session_factory(domain_id, tmp_path, tiny_model_file):
    sessions = []

    def make(model: Path | str = tiny_model_file, **kwargs) -> Session:
        session = Session(domain_id, tmp_path, model, **kwargs)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        if session.node.process.poll() is None:
            session.close()


PACKAGED_MODEL_ID = "emotiposeformer-bandai-xia8/2"


def set_node_parameter(tester: Tester, name: str, value) -> bool:
    """Sets one parameter of the running node through its ROS service, as `ros2 param set` does."""
    from rcl_interfaces.srv import SetParameters
    from rclpy.parameter import Parameter

    client = tester.node.create_client(SetParameters, "/emotion_perception/set_parameters")
    assert tester.spin_until(client.service_is_ready, 30.0)
    future = client.call_async(SetParameters.Request(parameters=[Parameter(name, value=value).to_parameter_msg()]))
    assert tester.spin_until(future.done, 30.0)
    return future.result().results[0].successful


def check_emotion_stream(replies: list[FrameEmotions], sent: int, labels: list[str], model_id: str,
                         min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
    assert len(replies) == sent
    assert [header_seconds(r) for r in replies] == pytest.approx([stamp_of(i) for i in range(sent)], abs=1e-6)
    assert all(r.header.frame_id == "camera_optical_frame" for r in replies)
    people = [p for r in replies for p in r.people]
    assert {p.track_id for p in people} == {1} and all(len(r.people) <= 1 for r in replies)
    with_emotion = [p for p in people if p.probabilities]
    assert len(with_emotion) >= sent - 12, "the window fills within about 2 s of footage"
    for person in with_emotion:
        assert abs(sum(person.probabilities) - 1.0) < 1e-4
        top = replies[0].labels[int(np.argmax(person.probabilities))]
        assert person.label == (top if person.confidence >= min_confidence else "unknown")
        assert person.confidence == pytest.approx(max(person.probabilities), abs=1e-6)
        assert -1.0 <= person.valence <= 1.0 and -1.0 <= person.arousal <= 1.0
        assert 0 < person.valid_frames <= person.window_length
        assert person.box.width > 50 and person.box.height > 100 and len(person.landmarks) == 33
    assert replies[-1].labels == labels and replies[-1].model_id == model_id


def test_image_frames_of_real_footage_become_emotions_with_the_sources_stamps(session_factory, frames):
    from emotion_perception.mocap.corpus import CLASSES

    session = session_factory(model='""')  # the packaged, sha256-checked model, as deployed
    session.wait_until_listening()
    replies = [session.send(image_message(rgb, i)) for i, rgb in enumerate(frames[:40])]
    check_emotion_stream(replies, 40, list(CLASSES), PACKAGED_MODEL_ID)
    # The debug image is drawn because we subscribe: same stamp, overlay on the real frame.
    assert session.tester.spin_until(lambda: len(session.debug) > 0, 5.0)
    debug = session.debug[-1]
    overlay = np.frombuffer(bytes(debug.data), np.uint8).reshape(debug.height, debug.width, 3)
    source = cv2.cvtColor(frames[int(round((header_seconds(debug) - BASE_STAMP) * FPS))], cv2.COLOR_RGB2BGR)
    assert (debug.width, debug.height) == (360, 640)
    assert np.mean(np.any(overlay != source, axis=2)) > 0.005, "skeleton and labels drawn over the frame"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(ARTIFACTS / "debug_image.png"), overlay)
    values = session.latest_diagnostic_values()
    assert int(values["frames_processed"]) == 40 and values["model_id"] == PACKAGED_MODEL_ID
    assert float(values["latency_p95_ms"]) > 0 and values["device"] == "cpu"
    elapsed = session.close()
    assert elapsed is not None and elapsed < 2.0, f"SIGINT shutdown took {elapsed}"


def test_compressed_frames_and_a_corrupt_jpeg(session_factory, frames):
    session = session_factory(compressed=True)
    session.wait_until_listening()
    replies = [session.send(compressed_message(rgb, i)) for i, rgb in enumerate(frames[:30])]
    check_emotion_stream(replies, 30, ["calm", "lively", "slumped"], "tiny-test-model/0")
    assert session.send(compressed_message(frames[30], 30, data=b"\xff\xd8\xff\xe0 broken jpeg"), expect_reply=False) is None
    assert session.send(compressed_message(frames[31], 31)).people, "the next good frame is processed"
    assert session.latest_diagnostic_values()["bad_input.corrupt_compressed"] == "1"
    assert session.node.output().count("bad input (corrupt_compressed)") == 1
    elapsed = session.close()
    assert elapsed is not None and elapsed < 2.0


def test_bad_input_is_counted_logged_once_and_survived(session_factory, frames):
    session = session_factory()
    session.wait_until_listening()
    for i in range(3):
        session.send(image_message(frames[i], i))
    good = image_message(frames[3], 3)
    wrong_encoding = image_message(frames[3], 3)
    wrong_encoding.encoding = "yuv422_yuy2"
    short_step = image_message(frames[3], 3)
    short_step.step = 100
    truncated = image_message(frames[3], 3)
    truncated.data = bytes(truncated.data)[: len(truncated.data) // 2]
    empty = Image(header=good.header, encoding="rgb8")
    huge = Image(header=good.header, encoding="rgb8", width=7680, height=4320, step=7680 * 3, data=b"\x00" * 64)
    bad = [wrong_encoding, short_step, truncated, truncated, empty, huge]
    for msg in bad:
        assert session.send(msg, expect_reply=False) is None
    assert session.send(image_message(frames[4], 4)).people, "the next good frame is processed"
    # A clock that jumps back (a looped bag): every frame still answered; tracks restart, and the
    # person is confirmed again after three frames, under a new id (ids are never reused).
    back = [session.send(image_message(frames[i], i - 50)) for i in range(5, 9)]
    assert [len(r.people) for r in back] == [0, 0, 1, 1] and back[-1].people[0].track_id == 2
    values = session.latest_diagnostic_values()
    expected = {"unsupported_encoding": "1", "bad_step": "1", "truncated": "2", "empty": "1", "too_large": "1"}
    assert {k: values.get(f"bad_input.{k}") for k in expected} == expected
    assert values["clock_resets"] == "1" and values["_level"] >= b"\x01"
    log = session.node.output()
    assert log.count("bad input (truncated)") == 1, "one line per kind, rate-limited"
    assert "image stamps went back in time" in log
    assert session.node.process.poll() is None
    elapsed = session.close()
    assert elapsed is not None and elapsed < 2.0


def call_transition(tester: Tester, transition: int) -> bool:
    client = tester.node.create_client(ChangeState, "/emotion_perception/change_state")
    assert client.wait_for_service(timeout_sec=30.0)
    future = client.call_async(ChangeState.Request(transition=Transition(id=transition)))
    assert tester.spin_until(future.done, 90.0)
    return future.result().success


def test_lifecycle_no_output_while_inactive_then_output_then_release(session_factory, frames):
    session = session_factory(autostart="false")
    assert session.node.wait_for_output("", timeout=1.0) or True
    assert call_transition(session.tester, Transition.TRANSITION_CONFIGURE)
    time.sleep(0.5)
    assert session.publisher.get_subscription_count() == 0, "no image subscription before activation"
    assert "active:" not in session.node.output()
    assert call_transition(session.tester, Transition.TRANSITION_ACTIVATE)
    session.wait_until_listening()
    assert session.send(image_message(frames[0], 0)).header.frame_id == "camera_optical_frame"
    assert call_transition(session.tester, Transition.TRANSITION_DEACTIVATE)
    assert session.node.wait_for_output("deactivated: model and pose estimator released", 5.0)
    assert session.tester.spin_until(lambda: session.publisher.get_subscription_count() == 0, 5.0)
    assert session.send(image_message(frames[1], 1), expect_reply=False) is None
    elapsed = session.close()
    assert elapsed is not None and elapsed < 2.0


def test_min_confidence_turns_unsure_labels_into_unknown_at_run_time(session_factory, frames):
    session = session_factory(min_confidence="1.0")
    session.wait_until_listening()
    sure = [session.send(image_message(rgb, i)) for i, rgb in enumerate(frames[:25])]
    judged = [p for r in sure for p in r.people if p.probabilities]
    assert judged and all(p.label == "unknown" for p in judged), "nothing is certain at 1.0"
    assert all(abs(sum(p.probabilities) - 1.0) < 1e-4 for p in judged), "probabilities are still published"
    assert set_node_parameter(session.tester, "min_confidence", 0.0)
    assert not set_node_parameter(session.tester, "min_confidence", 1.5), "out of range is refused"
    replies = [session.send(image_message(rgb, i)) for i, rgb in enumerate(frames[25:40], start=25)]
    labels = list(replies[0].labels)
    judged = [p for r in replies for p in r.people if p.probabilities]
    assert judged and all(p.label == labels[int(np.argmax(p.probabilities))] for p in judged)
    session.close()
