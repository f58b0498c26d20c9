"""The first fields of a serialized sensor_msgs/Image or CompressedImage, read from the CDR bytes.

The node takes images serialized, for two reasons:
- rclpy turns a message's strings into Python with strlen, so an encoding of "mono8\\0junk"
  arrives as "mono8" and would be accepted as mono8. Read here, the encoding keeps its bytes and
  the exact encoding table refuses it like any other unknown encoding.
- The subscription callback must stay cheap: it reads the source signature (frame_id, size) here
  and leaves deserializing to the worker, which skips frames that are replaced before it gets to them.

CDR layout (XCDR1, the ROS 2 default): 4 bytes of encapsulation (byte 1: 0 big, 1 little
endian), then std_msgs/Header (stamp.sec int32, stamp.nanosec uint32, frame_id string), then
Image's height and width (uint32) and encoding, or CompressedImage's format. A string is a
uint32 byte count, NUL included, then its bytes; uint32s are aligned to 4 bytes from the end of
the encapsulation.
"""
from __future__ import annotations

import struct
from typing import NamedTuple

from ..core.errors import BadImageError

_ENCAPSULATION = 4


class WirePrefix(NamedTuple):
    frame_id: str
    width: int  # 0 for a CompressedImage (its size is in the data)
    height: int
    encoding: str  # Image: the encoding as sent; CompressedImage: the format


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.order = "<" if data[1] & 1 else ">"
        self.position = _ENCAPSULATION

    def uint32(self) -> int:
        self.position += -(self.position - _ENCAPSULATION) % 4
        (value,) = struct.unpack_from(self.order + "I", self.data, self.position)
        self.position += 4
        return value

    def string(self) -> str:
        length = self.uint32()
        raw = self.data[self.position: self.position + length]
        if len(raw) != length or length == 0 or raw[-1] != 0:
            raise BadImageError("a string of the serialized image is cut short", "truncated")
        self.position += length
        return raw[:-1].decode("utf-8", errors="backslashreplace")


def read_prefix(serialized: bytes, compressed: bool) -> WirePrefix:
    """frame_id, size and encoding (or format) of a serialized image, exactly as sent."""
    try:
        reader = _Reader(serialized)
        reader.uint32(), reader.uint32()  # stamp
        frame_id = reader.string()
        if compressed:
            return WirePrefix(frame_id, 0, 0, reader.string())
        height, width = reader.uint32(), reader.uint32()
        return WirePrefix(frame_id, width, height, reader.string())
    except (IndexError, struct.error) as error:
        raise BadImageError(
            f"serialized image too short for its header ({len(serialized)} bytes)", "truncated"
        ) from error
