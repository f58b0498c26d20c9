"""The optional ROS4HRI (REP-155) output: `/humans/bodies/tracked` on every processed frame and,
per body, `/humans/bodies/<id>/roi`, `cropped`, `skeleton2d` and `expression`.

The numbers come from core/rep155.py; this module only fills hri_msgs messages. Each body's
publishers are made when its track is first published and destroyed when the track ends, so a
node that sees thousands of people over hours holds publishers only for those present. `cropped`
is rendered only while someone subscribes, as the debug image is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.pipeline import FrameResult
from ..core.rep155 import body_id, expression, normalized_box, skeleton_18
from .image_conversion import cv2_to_imgmsg

BODIES = "/humans/bodies"
MISSING = ("hri: true needs the ROS4HRI messages (hri_msgs): install ros-$ROS_DISTRO-hri-msgs, or here run "
           "`make setup`, which builds ../shared/third_party/hri_msgs into ros2_ws")


def hri_messages() -> Any:
    """The hri_msgs.msg module; ImportError with what to install when it is missing."""
    try:
        import hri_msgs.msg
    except ImportError as error:
        raise ImportError(MISSING) from error
    return hri_msgs.msg


@dataclass
class _Body:
    roi: Any
    cropped: Any
    skeleton: Any
    expression: Any


class HriOutput:
    def __init__(self, node: Any, activation: int) -> None:
        self._msgs = hri_messages()
        self._node, self._activation = node, activation
        self._tracked = node.create_publisher(self._msgs.IdsList, f"{BODIES}/tracked", 10)
        self._bodies: dict[int, _Body] = {}

    def publish(self, header: Any, frame: FrameResult, rgb: np.ndarray) -> None:
        for track_id in frame.ended:
            self._forget(track_id)
        msgs, (height, width) = self._msgs, rgb.shape[:2]
        self._tracked.publish(msgs.IdsList(header=header, ids=[self._id(p.track_id) for p in frame.people]))
        for person in frame.people:
            body = self._bodies.get(person.track_id) or self._open(person.track_id)
            points = skeleton_18(person.landmarks, width, height)
            xmin, ymin, xmax, ymax = normalized_box(person.box, width, height)
            body.roi.publish(msgs.NormalizedRegionOfInterest2D(header=header, xmin=xmin, ymin=ymin, xmax=xmax,
                                                               ymax=ymax, c=float(points[:, 2].mean())))
            body.skeleton.publish(msgs.Skeleton2D(header=header, skeleton=[
                msgs.NormalizedPointOfInterest2D(x=float(x), y=float(y), c=float(c)) for x, y, c in points]))
            if person.label:
                body.expression.publish(msgs.Expression(
                    header=header, expression=expression(person.label), valence=float(person.valence),
                    arousal=float(person.arousal), confidence=float(person.confidence)))
            if body.cropped.get_subscription_count() > 0:
                body.cropped.publish(self._crop(header, rgb, person.box))

    def close(self) -> None:
        for track_id in list(self._bodies):
            self._forget(track_id)
        self._node.destroy_publisher(self._tracked)

    def _id(self, track_id: int) -> str:
        return body_id(track_id, self._activation)

    def _open(self, track_id: int) -> _Body:
        from sensor_msgs.msg import Image

        prefix, node, msgs = f"{BODIES}/{self._id(track_id)}", self._node, self._msgs
        body = _Body(roi=node.create_publisher(msgs.NormalizedRegionOfInterest2D, f"{prefix}/roi", 1),
                     cropped=node.create_publisher(Image, f"{prefix}/cropped", 1),
                     skeleton=node.create_publisher(msgs.Skeleton2D, f"{prefix}/skeleton2d", 1),
                     expression=node.create_publisher(msgs.Expression, f"{prefix}/expression", 1))
        self._bodies[track_id] = body
        return body

    def _forget(self, track_id: int) -> None:
        body = self._bodies.pop(track_id, None)
        if body is not None:
            for publisher in (body.roi, body.cropped, body.skeleton, body.expression):
                self._node.destroy_publisher(publisher)

    @staticmethod
    def _crop(header: Any, rgb: np.ndarray, box: np.ndarray) -> Any:
        import cv2

        height, width = rgb.shape[:2]
        x0, y0 = min(max(0, int(box[0])), width - 1), min(max(0, int(box[1])), height - 1)
        x1, y1 = min(width, max(x0 + 1, int(np.ceil(box[2])))), min(height, max(y0 + 1, int(np.ceil(box[3]))))
        return cv2_to_imgmsg(cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2BGR), "bgr8", header)
