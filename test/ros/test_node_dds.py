"""The node over real DDS, in its own process, started exactly as the launch file starts it.

Real footage (pose_squats.mp4, one person) goes in as Image and as CompressedImage; emotions come
out with the sources' stamps. Lifecycle, bad input and shutdown are specified the same way.
"""
from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
from emotion_perception_msgs.msg import FrameEmotions
from lifecycle_msgs.msg import Transition
from sensor_msgs.msg import Image

from emotion_perception.core.smoothing import DEFAULT_MIN_CONFIDENCE
from ros_harness import (
    BASE_STAMP,
    FPS,
    REPO,
    Tester,
    call_transition,
    compressed_message,
    header_seconds,
    image_message,
    stamp_of,
)

ARTIFACTS = REPO / "out" / "test-artifacts"


pytestmark = pytest.mark.usefixtures("no_leftover_shared_memory")


@pytest.fixture(scope="module")
def frames(squats_frames) -> list[np.ndarray]:
    """The real squat footage at half resolution (360x640): real pixels, quicker DDS."""
    return [cv2.resize(f, (360, 640), interpolation=cv2.INTER_AREA) for f in squats_frames]


PACKAGED_MODEL_ID = "emotiposeformer-3studios4/7"


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
    from emotion_perception.training.recipe import RECIPE

    session = session_factory(model='""')  # the packaged, sha256-checked model, as deployed
    session.wait_until_listening()
    replies = [session.send(image_message(rgb, i)) for i, rgb in enumerate(frames[:40])]
    check_emotion_stream(replies, 40, list(RECIPE.classes), PACKAGED_MODEL_ID)
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
    session.send_refused(compressed_message(frames[30], 30, data=b"\xff\xd8\xff\xe0 broken jpeg"), "corrupt_compressed")
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
    bad = [(wrong_encoding, "unsupported_encoding"), (short_step, "bad_step"), (truncated, "truncated"),
           (truncated, "truncated"), (empty, "empty"), (huge, "too_large")]
    for msg, kind in bad:
        session.send_refused(msg, kind)
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


def test_lifecycle_no_output_while_inactive_then_output_then_release(session_factory, frames):
    session = session_factory(autostart="false")
    assert call_transition(session.tester, Transition.TRANSITION_CONFIGURE)
    assert session.node.wait_for_output("configured", timeout=10.0)
    # positive signal first: the node's /emotions publisher is discovered, so the node is on the
    # graph, and only then the negative: it has no image subscription before activation
    assert session.tester.spin_until(lambda: session.tester.node.count_publishers("/emotions") == 1, 10.0)
    assert session.publisher.get_subscription_count() == 0, "no image subscription before activation"
    assert "active:" not in session.node.output()
    assert call_transition(session.tester, Transition.TRANSITION_ACTIVATE)
    session.wait_until_listening()
    assert session.send(image_message(frames[0], 0)).header.frame_id == "camera_optical_frame"
    assert call_transition(session.tester, Transition.TRANSITION_DEACTIVATE)
    assert session.node.wait_for_output("deactivated: model and pose estimator released", 5.0)
    assert session.tester.spin_until(lambda: session.publisher.get_subscription_count() == 0, 5.0)
    session.send_unanswered(image_message(frames[1], 1))
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


def test_a_tampered_pose_bundle_fails_activation_loudly_and_a_later_activation_runs_clean(
        session_factory, frames, tmp_path, monkeypatch, record_property):
    """rclpy swallowed the pose bundle's checksum error: the only log line was 'configured'."""
    bundles = tmp_path / "pose"
    bundles.mkdir()
    original = (REPO / "models" / "pose" / "pose_landmarker_full.task").read_bytes()
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 0xFF
    (bundles / "pose_landmarker_full.task").write_bytes(bytes(tampered))
    monkeypatch.setenv("EMOTION_POSE_MODEL_DIR", str(bundles))  # searched first; pins from the repository
    session = session_factory()
    assert session.node.wait_for_output("activation failed: PoseModelError", 60.0), session.node.output()
    assert "does not match the pinned" in session.node.output()
    assert session.node.process.poll() is None
    # a robot's monitor sees the dead node as dead: ERROR on /diagnostics, with the cause
    failed_at = time.monotonic()

    def dead_on_diagnostics() -> bool:
        return any(array.status[0].level == bytes([2]) and "activation failed: PoseModelError" in
                   array.status[0].message for array in session.diagnostics)

    # how soon is a figure, recorded below; the assertion waits for the signal itself (DDS discovery
    # of a just-started node takes a variable while on a busy machine)
    assert session.tester.spin_until(dead_on_diagnostics, 15.0), [a.status[0].message for a in session.diagnostics]
    record_property("measurement", f"failed activation on /diagnostics as ERROR after "
                                   f"{time.monotonic() - failed_at:.2f} s of waiting")
    assert session.latest_diagnostic_values()["lifecycle_state"] == "inactive"
    (bundles / "pose_landmarker_full.task").write_bytes(original)
    assert call_transition(session.tester, Transition.TRANSITION_ACTIVATE)
    session.wait_until_listening()
    assert session.send(image_message(frames[0], 0)).people is not None
    values = session.latest_diagnostic_values()
    assert values["activation_failures"] == "1"
    assert not any(key.startswith("bad_input.") for key in values), "a failed activation is not bad input"
    assert session.node.output().count("activation failed") == 1


def test_run_time_emotion_rate_and_smoothing_change_what_the_node_publishes(session_factory, frames):
    """Run-time parameters reach the running pipeline: changed while frames flow, the output changes."""
    session = session_factory()
    session.wait_until_listening()

    def judged(first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        replies = [session.send(image_message(frames[i], i)) for i in range(first, first + count)]
        assert all(r.people and r.people[0].probabilities for r in replies), "one judged person per frame"
        return (np.array([r.people[0].probabilities for r in replies]),
                np.array([r.people[0].emotion_age_s for r in replies]))

    for i in range(15):  # the window fills
        session.send(image_message(frames[i], i))
    probabilities, ages = judged(15, 6)
    moving = np.abs(np.diff(probabilities, axis=0)).mean()
    assert moving > 0 and np.all(ages == 0), "at the camera's rate (5 fps, 5 Hz) every frame is judged afresh"
    assert set_node_parameter(session.tester, "emotion_rate_hz", 0.1)
    held, ages = judged(21, 6)
    assert np.array_equal(held[1:], held[:-1]), "0.1 Hz: no window is judged for 10 s, the output holds"
    np.testing.assert_allclose(ages, 0.2 * np.arange(1, 7), atol=1e-4), "and says how old it is"
    assert set_node_parameter(session.tester, "emotion_rate_hz", 5.0)
    assert set_node_parameter(session.tester, "smoothing", 0.01)
    sluggish = np.abs(np.diff(judged(27, 6)[0], axis=0)).mean()
    assert 0 < sluggish < moving / 5, (sluggish, moving)
