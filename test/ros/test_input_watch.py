"""A node that hears nothing says why: over DDS, with a publisher made to mismatch in each way a
first day goes wrong, then the first image clears it."""
from __future__ import annotations

import cv2
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image

from emotion_perception.ros.input_watch import Publisher, diagnose
from ros_harness import RELIABLE, image_message

pytestmark = pytest.mark.usefixtures("no_leftover_shared_memory")
IMAGE, COMPRESSED = "sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage"
BEST_EFFORT = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)


def test_each_finding_names_the_setting_to_change():
    camera = "/camera/image_raw"
    assert "is the camera running" in diagnose(camera, IMAGE, False, [], {}, 5)
    assert "camera_topic:=/camera/image_rect" in diagnose(camera, IMAGE, False, [], {"/camera/image_rect": IMAGE}, 5)
    assert "/robot/arm_state" not in diagnose(camera, IMAGE, False, [], {"/robot/arm_state": IMAGE}, 5)
    typed = diagnose(camera, IMAGE, False, [Publisher("cam", COMPRESSED, True)], {}, 5)
    assert "published as sensor_msgs/msg/CompressedImage" in typed and "compressed: true" in typed
    qos = diagnose(camera, IMAGE, True, [Publisher("cam", IMAGE, False)], {}, 5)
    assert "image_reliability: best_effort" in qos
    assert "matching publisher" in diagnose(camera, IMAGE, True, [Publisher("cam", IMAGE, True)], {}, 5)
    assert "matching publisher" in diagnose(camera, IMAGE, False, [Publisher("cam", IMAGE, True)], {}, 5), \
        "a reliable publisher reaches a best-effort subscriber"


def test_the_node_says_why_it_hears_nothing_once_per_finding_and_clears_it_when_images_flow(
        session_factory, squats_frames):
    session = session_factory(image_reliability="reliable", no_image_warn_s="1.0")
    tester, node = session.tester, session.tester.node
    tester.node.destroy_publisher(session.publisher)  # the harness's own, matching publisher
    findings = [
        (None, "nothing publishes on /camera/image_raw: is the camera running"),
        ((Image, "/camera/image_raw", BEST_EFFORT), "publishes /camera/image_raw best effort and we subscribe "
                                                    "reliable"),
        ((CompressedImage, "/camera/image_raw", RELIABLE), "published as sensor_msgs/msg/CompressedImage by tester"),
        ((Image, "/camera/image_rect", RELIABLE), "/camera/image_rect has a sensor_msgs/msg/Image publisher"),
    ]

    def on_diagnostics(text: str) -> bool:
        return any(text in array.status[0].message and array.status[0].level == bytes([1])
                   for array in session.diagnostics[-3:])

    for publisher, text in findings:
        made = node.create_publisher(*publisher) if publisher else None
        assert tester.spin_until(lambda: text in session.node.output(), 20.0), session.node.output()[-2000:]
        assert tester.spin_until(lambda: on_diagnostics(text), 5.0), "and on /diagnostics, as a WARN"
        if made is not None:
            node.destroy_publisher(made)
    log = session.node.output()
    for _, text in findings:
        assert sum(text in line for line in log.splitlines()) == 1, f"said once: {text}"

    session.publisher = node.create_publisher(Image, "/camera/image_raw", RELIABLE)
    session.wait_until_listening()
    rgb = cv2.resize(squats_frames[0], (360, 640))
    assert session.send(image_message(rgb, 0)) is not None
    assert "first image on /camera/image_raw: 360x640 rgb8, frame_id 'camera_optical_frame'" in session.node.output()
    assert tester.spin_until(lambda: "no image" not in session.latest_diagnostic_values()["_message"], 5.0)
