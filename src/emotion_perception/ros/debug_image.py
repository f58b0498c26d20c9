"""The debug image: the source frame with skeletons, ids and emotions drawn on it.

Rendered beside the worker, from the RGB frame it already holds, and only while someone
subscribes. A separate drawing node (as yolo_ros has) would need every source image a second
time over DDS, a copy per frame on the path whose cost we keep down; ours costs nothing while
nobody looks.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.pipeline import FrameResult
from .image_conversion import cv2_to_imgmsg


def debug_image(header: Any, rgb: np.ndarray, frame: FrameResult) -> Any:
    """A bgr8 sensor_msgs/Image with the source image's header."""
    import cv2

    from ..core.draw import draw_frame

    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    return cv2_to_imgmsg(draw_frame(bgr, frame, model_installed=True), "bgr8", header)
