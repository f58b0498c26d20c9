"""Valid images too large to make with cv2.imencode in a test: streamed PNG, headers by hand."""
from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def black_grey_png(width: int, height: int) -> bytes:
    """A valid 8-bit greyscale PNG, all black: rows of zeros deflate to almost nothing, so a
    30000 x 30000 image (900 MB decoded) is about a megabyte, what a decompression bomb looks like."""
    compressor = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte 0, then the row
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")
