"""The width and height of a PNG or JPEG read from its header, without decoding it.

A compressed frame is small on the wire and huge once decoded (a 30000 x 30000 grey PNG is a few
hundred kB on the wire and gigabytes decoded: test_faults' bombs), so its size is checked
from the header first. ROS's image_transport compresses to these two formats only; anything else
is refused rather than handed to a decoder whose allocation we cannot bound.
"""
from __future__ import annotations

import struct

from ..core.errors import BadImageError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8"
# Start-of-frame markers (baseline, progressive, lossless, arithmetic...): C0-CF except DHT (C4),
# JPG (C8) and DAC (CC). Their segment holds the frame's height and width.
_JPEG_START_OF_FRAME = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers with no length field: TEM, restart markers RST0-RST7, start of image.
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD9)}
_JPEG_START_OF_SCAN = 0xDA


def compressed_dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or JPEG; BadImageError (unsupported_compression or
    corrupt_compressed) for anything whose header does not say."""
    if data.startswith(PNG_SIGNATURE):
        return _png_dimensions(data)
    if data.startswith(JPEG_START):
        return _jpeg_dimensions(data)
    raise BadImageError("compressed image is neither PNG nor JPEG (by its first bytes)", "unsupported_compression")


def _png_dimensions(data: bytes) -> tuple[int, int]:
    # signature, then the IHDR chunk first: length (4), type (4), width (4), height (4)
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise BadImageError("PNG without an IHDR header", "corrupt_compressed")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_dimensions(data: bytes) -> tuple[int, int]:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise BadImageError(f"JPEG marker expected at byte {position}", "corrupt_compressed")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in _JPEG_STANDALONE:
            position += 2
            continue
        length = struct.unpack(">H", data[position + 2: position + 4])[0]
        if marker in _JPEG_START_OF_FRAME:
            if position + 9 > len(data) or length < 7:
                break
            height, width = struct.unpack(">HH", data[position + 5: position + 9])
            if height == 0:  # height given later by a DNL marker: the size is not known up front
                raise BadImageError("JPEG whose height is only known after decoding (DNL)", "unsupported_compression")
            return width, height
        if marker == _JPEG_START_OF_SCAN or length < 2:
            break
        position += 2 + length
    raise BadImageError("JPEG without a frame header before its image data", "corrupt_compressed")
