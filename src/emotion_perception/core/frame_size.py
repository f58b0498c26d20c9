"""The frame sizes every door accepts, checked from the dimensions alone, before any pixel is
decoded or handed to native code.

Two limits, for two reasons:
- MAX_SIDE: OpenCV's `remap` inside MediaPipe asserts every side is under SHRT_MAX (32767) and
  *aborts the process* otherwise (measured: a 32766 x 1 frame ran, 32767 x 1 and 1 x 100000
  killed it with SIGABRT; any aspect ratio below that was taken). No camera has a side over
  8K DCI's 8192 px, so that is the limit, with room to spare below the crash.
- MAX_PIXELS (4K UHD): pose estimation runs at 256 px, so larger frames only cost time and memory
  (an 8K rgb8 frame is 100 MB), and a compressed frame's size is what its decoder will allocate.
"""
from __future__ import annotations

from .errors import BadImageError

MAX_SIDE = 8192
MAX_PIXELS = 3840 * 2160


def check_frame_size(width: int, height: int) -> None:
    """Raises BadImageError (kind empty, side_too_long or too_large) for a frame we must not touch."""
    if width <= 0 or height <= 0:
        raise BadImageError(f"image has no pixels ({width}x{height})", "empty")
    if max(width, height) > MAX_SIDE:
        raise BadImageError(f"{width}x{height} has a side over the {MAX_SIDE}-pixel limit", "side_too_long")
    if width * height > MAX_PIXELS:
        raise BadImageError(f"{width}x{height} exceeds the {MAX_PIXELS}-pixel limit", "too_large")
