"""The REP-155 (ROS4HRI) output as a consumer sees it: another process subscribing to
/humans/bodies/... while frames of a real bag of several pedestrians go through the node over DDS.
And the node without hri_msgs: it starts when `hri` is false, and says what to install when true.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from hri_msgs.msg import Expression, IdsList, NormalizedRegionOfInterest2D, Skeleton2D
from sensor_msgs.msg import Image

from emotion_perception.core.rep155 import EXPRESSION_CONSTANTS, NECK, body_id
from emotion_perception.doors.bag.images import read_images
from emotion_perception.ros.image_conversion import to_rgb8
from golden_cases import BY_NAME, make_bag
from ros_harness import RELIABLE, header_seconds, image_message

pytestmark = pytest.mark.usefixtures("no_leftover_shared_memory")
BODIES = "/humans/bodies"


@pytest.fixture(scope="module")
def pedestrians(tmp_path_factory) -> list[np.ndarray]:
    """The frames of the vtest_slice golden bag (several pedestrians and people coming and going)."""
    bag = make_bag(BY_NAME["vtest_slice"], tmp_path_factory.mktemp("bags"))
    return [to_rgb8(image.message) for image in read_images(bag)]


def node_topics(session) -> set[str]:
    return {name for name, _ in session.tester.node.get_publisher_names_and_types_by_node("emotion_perception", "/")}


def test_a_rep155_consumer_sees_every_tracked_body_and_bodies_that_leave_lose_their_topics(
        session_factory, pedestrians, record_property):
    session = session_factory(hri="true", tile_size="256", max_people="6", image_reliability="reliable",
                              debug_image="false")
    session.wait_until_listening()
    tester = session.tester
    assert tester.spin_until(lambda: f"{BODIES}/tracked" in node_topics(session), 10.0)
    baseline = node_topics(session)
    tracked: dict[float, list[str]] = {}
    per_body: dict[str, list] = {}
    tester.node.create_subscription(IdsList, f"{BODIES}/tracked",
                                    lambda m: tracked.__setitem__(header_seconds(m), list(m.ids)), RELIABLE)

    def listen(body: str) -> None:
        per_body[body] = []
        for leaf, kind in (("roi", NormalizedRegionOfInterest2D), ("skeleton2d", Skeleton2D),
                           ("expression", Expression), ("cropped", Image)):
            tester.node.create_subscription(kind, f"{BODIES}/{body}/{leaf}",
                                            lambda m, leaf=leaf: per_body[body].append((leaf, m)), 10)

    replies = []
    for index, rgb in enumerate(pedestrians):
        reply = session.send(image_message(rgb, index), timeout=60.0)
        replies.append(reply)
        for person in reply.people:
            if body_id(person.track_id) not in per_body:
                listen(body_id(person.track_id))
    people_ids = {body_id(p.track_id) for r in replies for p in r.people}
    assert len(people_ids) >= 3, "several pedestrians"
    # the people leave: empty frames for longer than a track outlives its last sighting (1 s)
    black = np.zeros_like(pedestrians[0])
    ends = [session.send(image_message(black, len(pedestrians) + i), timeout=60.0) for i in range(8)]
    assert not ends[-1].people
    assert tester.spin_until(lambda: header_seconds(ends[-1]) in tracked, 5.0)

    for reply in replies + ends:
        assert tracked[header_seconds(reply)] == [body_id(p.track_id) for p in reply.people], "ids as in emotions"
    assert tracked[header_seconds(ends[-1])] == []
    labels = set(replies[-1].labels) | {"unknown"}
    seen = {leaf for messages in per_body.values() for leaf, _ in messages}
    assert {"roi", "skeleton2d", "expression", "cropped"} <= seen
    for body, messages in per_body.items():
        for leaf, message in messages:
            if leaf == "skeleton2d":
                points = np.array([[p.x, p.y] for p in message.skeleton])
                assert points.shape == (18, 2) and points.min() >= 0.0 and points.max() <= 1.0
                shoulders = points[[2, 5], 0]
                assert shoulders.min() - 1e-6 <= points[NECK, 0] <= shoulders.max() + 1e-6, "the neck is between"
            elif leaf == "roi":
                assert 0.0 <= message.xmin <= message.xmax <= 1.0 and 0.0 <= message.ymin <= message.ymax <= 1.0
            elif leaf == "expression":
                assert message.expression in EXPRESSION_CONSTANTS | labels
                assert -1 <= message.valence <= 1 and -1 <= message.arousal <= 1 and 0 <= message.confidence <= 1
            elif leaf == "cropped":
                assert message.encoding == "bgr8" and message.height > 0 and message.width > 0
            assert message.header.frame_id == "camera_optical_frame"
    # every body's topics are gone with its track: the node publishes what it did before anyone came
    assert tester.spin_until(lambda: node_topics(session) == baseline, 10.0), node_topics(session) - baseline
    record_property("measurement", f"{len(people_ids)} bodies over {len(pedestrians)} frames; "
                                   f"{sum(len(m) for m in per_body.values())} per-body messages received")


def test_the_expression_constants_we_map_onto_are_the_messages_own():
    constants = {getattr(Expression, name) for name in dir(Expression)
                 if name.isupper() and isinstance(getattr(Expression, name), str)}
    assert constants == EXPRESSION_CONSTANTS


@pytest.fixture
def without_hri_msgs(monkeypatch):
    """The node's environment as on a robot where hri_msgs is not installed."""
    for variable in ("PYTHONPATH", "LD_LIBRARY_PATH", "AMENT_PREFIX_PATH"):
        kept = [entry for entry in os.environ.get(variable, "").split(os.pathsep) if "hri_msgs" not in entry]
        monkeypatch.setenv(variable, os.pathsep.join(kept))


def test_without_hri_msgs_the_node_runs_and_hri_true_says_what_to_install(
        session_factory, pedestrians, without_hri_msgs):
    plain = session_factory()
    plain.wait_until_listening()
    assert plain.send(image_message(pedestrians[0], 0)) is not None
    plain.close()
    asked = session_factory(hri="true")
    assert asked.node.wait_for_output("configuration failed", 60.0), asked.node.output()
    failures = [line for line in asked.node.output().splitlines() if "configuration failed" in line]
    assert len(failures) == 1 and "install ros-$ROS_DISTRO-hri-msgs" in failures[0], failures
    assert asked.node.process.poll() is None, "the node stays up, unconfigured"
