"""Why the node hears nothing: the commonest first-day failure of a perception node, said in one
line instead of found by reading /diagnostics.

After activation, while no image has arrived for `no_image_warn_s`, the node looks at the graph
and names what is wrong: nobody publishes on the topic (and which topic of a similar name does),
a publisher of another type (Image against CompressedImage), or a reliability we cannot match.
Each distinct finding is logged once as a WARN and shown on /diagnostics until images flow; the
first image is logged at INFO with its size, encoding and frame_id.
"""
from __future__ import annotations

import difflib
import time
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from rclpy.qos import ReliabilityPolicy

from .image_wire import WirePrefix

IMAGE_TYPES = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage")


@dataclass(frozen=True)
class Publisher:
    node: str
    type_name: str
    reliable: bool


def diagnose(topic: str, type_name: str, reliable: bool, publishers: Sequence[Publisher],
             image_topics: dict[str, str], waited_s: float) -> str:
    """The one line that says why no image arrived on `topic` (which we subscribe as `type_name`,
    reliable or best effort). `image_topics`: other topics with an image publisher, by type."""
    same_type = [p for p in publishers if p.type_name == type_name]
    if not publishers:
        similar = difflib.get_close_matches(topic, list(image_topics), n=1, cutoff=0.6)
        hint = (f"; {similar[0]} has a {image_topics[similar[0]]} publisher: remap the camera topic to it "
                f"(camera_topic:={similar[0]})" if similar else ": is the camera running, and is the topic right?")
        return f"no image in {waited_s:.0f} s: nothing publishes on {topic}{hint}"
    if not same_type:
        other = publishers[0]
        setting = "compressed: true" if other.type_name.endswith("CompressedImage") else "compressed: false"
        return (f"no image in {waited_s:.0f} s: {topic} is published as {other.type_name} by {other.node}, we "
                f"subscribe {type_name}: set {setting} (the node then subscribes the matching topic)")
    if reliable and not any(p.reliable for p in same_type):
        return (f"no image in {waited_s:.0f} s: {same_type[0].node} publishes {topic} best effort and we subscribe "
                "reliable, which cannot match: set image_reliability: best_effort")
    return (f"no image in {waited_s:.0f} s from {len(same_type)} matching publisher(s) on {topic}: they may not be "
            "publishing yet, or frames may be too large for the DDS transport (README: large images)")


class InputWatch:
    def __init__(self, node: Any, subscription: Any, type_name: str, reliable: bool) -> None:
        self._node, self._subscription = node, subscription
        self._type_name, self._reliable = type_name, reliable
        self._since = time.monotonic()
        self._heard = False
        self.problem = ""  # the current finding, for /diagnostics; empty once images flow

    def image_arrived(self, prefix: WirePrefix) -> None:
        if self._heard:
            return
        self._heard, self.problem = True, ""
        size = f"{prefix.width}x{prefix.height} {prefix.encoding}" if prefix.width else f"{prefix.encoding} compressed"
        self._node.get_logger().info(f"first image on {self._subscription.topic_name}: {size}, "
                                     f"frame_id '{prefix.frame_id}'")

    def check(self, wait_s: float) -> Optional[str]:
        """Called periodically: logs a new finding once; returns the current one."""
        waited = time.monotonic() - self._since
        if self._heard or waited < wait_s:
            return None
        topic = self._subscription.topic_name
        publishers = [Publisher(info.node_name, info.topic_type, info.qos_profile.reliability
                                == ReliabilityPolicy.RELIABLE)
                      for info in self._node.get_publishers_info_by_topic(topic)]
        image_topics = {name: types[0] for name, types in self._node.get_topic_names_and_types()
                        if name != topic and types and types[0] in IMAGE_TYPES
                        and self._node.count_publishers(name) > 0}
        finding = diagnose(topic, self._type_name, self._reliable, publishers, image_topics, wait_s)
        if finding != self.problem:  # each finding once
            self._node.get_logger().warning(finding)
        self.problem = finding
        return finding
