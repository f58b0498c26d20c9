"""sensor_msgs Image / CompressedImage <-> numpy, behind one small cv_bridge-compatible module.

ROS 2's cv_bridge is not installable here (and PyPI's port breaks on numpy 2), so the node
converts through this module only: `imgmsg_to_cv2`, `compressed_imgmsg_to_cv2` and
`cv2_to_imgmsg` mirror cv_bridge's names and semantics, and a real cv_bridge can replace it.
Messages are read by field (duck typing), so rclpy messages, rosbags messages and test doubles
all work. Every malformed input raises `BadImageError` with a `kind` that diagnostics count, and
every size is checked (frame_size.py) before a pixel is copied or decoded.
"""
from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ..core.errors import BadImageError
from ..core.frame_size import check_frame_size
from .compressed_header import compressed_dimensions

# encoding -> (numpy dtype, channels)
ENCODINGS: dict[str, tuple[np.dtype, int]] = {
    "rgb8": (np.dtype(np.uint8), 3), "bgr8": (np.dtype(np.uint8), 3),
    "rgba8": (np.dtype(np.uint8), 4), "bgra8": (np.dtype(np.uint8), 4),
    "mono8": (np.dtype(np.uint8), 1), "8UC1": (np.dtype(np.uint8), 1), "8UC3": (np.dtype(np.uint8), 3),
    "mono16": (np.dtype(np.uint16), 1), "16UC1": (np.dtype(np.uint16), 1),
    "rgb16": (np.dtype(np.uint16), 3), "bgr16": (np.dtype(np.uint16), 3),
}


class ImageConversionError(BadImageError):
    """A message that cannot become an image; its `kind` says why (unsupported_encoding, bad_step, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message, kind)


def imgmsg_to_cv2(msg: Any, desired_encoding: str = "passthrough") -> np.ndarray:
    """Image message -> array in its own encoding ('passthrough') or as 'rgb8' / 'bgr8'."""
    encoding = str(msg.encoding)
    if encoding not in ENCODINGS:
        raise ImageConversionError("unsupported_encoding", f"unsupported image encoding {encoding!r}")
    dtype, channels = ENCODINGS[encoding]
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    check_frame_size(width, height)
    row_bytes = width * channels * dtype.itemsize
    if step < row_bytes:
        raise ImageConversionError("bad_step", f"step {step} is shorter than a row of {row_bytes} bytes")
    buffer = _bytes_of(msg.data)
    if len(buffer) < step * height:
        raise ImageConversionError(
            "truncated", f"data has {len(buffer)} bytes, {step * height} expected ({width}x{height}, step {step})"
        )
    rows = np.frombuffer(buffer, dtype=np.uint8, count=step * height).reshape(height, step)[:, :row_bytes]
    big_endian = bool(getattr(msg, "is_bigendian", False)) and dtype.itemsize > 1
    array = np.ascontiguousarray(rows).view(dtype.newbyteorder(">") if big_endian else dtype)
    array = (
        array.astype(dtype, copy=False).reshape(height, width, channels)
        if channels > 1
        else array.reshape(height, width).astype(dtype, copy=False)
    )
    return _convert(array, encoding, desired_encoding)


def compressed_imgmsg_to_cv2(msg: Any, desired_encoding: str = "bgr8") -> np.ndarray:
    """CompressedImage (jpeg, png, ...) -> 'bgr8' (cv_bridge's default) or 'rgb8' array."""
    data = bytes(msg.data)
    if not data:
        raise ImageConversionError("empty", "compressed image has no data")
    width, height = compressed_dimensions(data)
    check_frame_size(width, height)  # before decoding: the decoder allocates what the header says
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageConversionError("corrupt_compressed", f"could not decode the '{msg.format}' compressed image")
    if image.shape[:2] != (height, width):
        raise ImageConversionError(
            "corrupt_compressed", f"decoded {image.shape[1]}x{image.shape[0]}, the header said {width}x{height}"
        )
    return _convert(image, "bgr8", desired_encoding)


def cv2_to_imgmsg(array: np.ndarray, encoding: str = "passthrough", header: Any = None):
    """numpy array -> sensor_msgs/Image (imports sensor_msgs only here)."""
    from sensor_msgs.msg import Image

    if encoding == "passthrough":
        encoding = {1: "mono8", 3: "bgr8", 4: "bgra8"}[1 if array.ndim == 2 else array.shape[2]]
    dtype, channels = ENCODINGS[encoding]
    if array.dtype != dtype or (array.shape[2] if array.ndim == 3 else 1) != channels:
        raise ImageConversionError("unsupported_encoding", f"array {array.shape} {array.dtype} is not '{encoding}'")
    msg = Image()
    if header is not None:
        msg.header = header
    msg.height, msg.width = int(array.shape[0]), int(array.shape[1])
    msg.encoding = encoding
    msg.is_bigendian = 0
    msg.step = int(array.shape[1] * channels * dtype.itemsize)
    msg.data = np.ascontiguousarray(array).tobytes()
    return msg


def to_rgb8(msg: Any) -> np.ndarray:
    """Any supported Image or CompressedImage -> HxWx3 uint8 RGB, what pose estimation takes."""
    if hasattr(msg, "format") and not hasattr(msg, "encoding"):
        return compressed_imgmsg_to_cv2(msg, "rgb8")
    return imgmsg_to_cv2(msg, "rgb8")


def _bytes_of(data: Any) -> Any:
    """The message's pixel bytes without a copy where it exposes a buffer (rclpy's array.array,
    rosbags' numpy array, bytes); a copy only for a plain sequence (test doubles)."""
    try:
        return memoryview(data).cast("B")
    except TypeError:
        return bytes(data)


def _convert(array: np.ndarray, encoding: str, desired: str) -> np.ndarray:
    if desired in ("passthrough", encoding):
        return array
    if desired not in ("rgb8", "bgr8"):
        raise ImageConversionError("unsupported_encoding", f"cannot convert '{encoding}' to '{desired}'")
    if array.dtype == np.uint16:
        array = (array >> 8).astype(np.uint8)  # 16-bit intensity to 8 bits for viewing/pose
    if array.ndim == 2:
        code = cv2.COLOR_GRAY2RGB if desired == "rgb8" else cv2.COLOR_GRAY2BGR
        return cv2.cvtColor(array, code)
    source_order = "rgb" if encoding.startswith("rgb") else "bgr"
    alpha = array.shape[2] == 4
    if source_order == desired[:3]:
        return np.ascontiguousarray(array[..., :3]) if alpha else array
    code = {True: cv2.COLOR_BGRA2RGB, False: cv2.COLOR_BGR2RGB}[alpha]
    return cv2.cvtColor(array, code)
