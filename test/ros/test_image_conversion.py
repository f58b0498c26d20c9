"""Image conversion against real sensor_msgs types and a real photo, every encoding the node accepts."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from sensor_msgs.msg import CompressedImage, Image

from crafted_images import black_grey_png
from emotion_perception.core.data_sources import debian_footage
from emotion_perception.core.errors import BadImageError
from emotion_perception.core.frame_size import MAX_SIDE
from emotion_perception.ros.compressed_header import compressed_dimensions
from emotion_perception.ros.image_conversion import (
    compressed_imgmsg_to_cv2,
    cv2_to_imgmsg,
    imgmsg_to_cv2,
    to_rgb8,
)


@pytest.fixture(scope="module")
def photo_bgr() -> np.ndarray:
    image = cv2.imread(str(debian_footage("messi5.jpg")))
    assert image is not None
    return image[:101, :163]  # odd sizes catch row-stride mistakes


def message(array: np.ndarray, encoding: str, step_padding: int = 0, big_endian: bool = False) -> Image:
    msg = Image()
    msg.height, msg.width = array.shape[:2]
    msg.encoding = encoding
    row = array.reshape(array.shape[0], -1).view(np.uint8) if not big_endian else \
        array.astype(array.dtype.newbyteorder(">")).reshape(array.shape[0], -1).view(np.uint8)
    padded = np.zeros((row.shape[0], row.shape[1] + step_padding), np.uint8)
    padded[:, : row.shape[1]] = row
    msg.step = padded.shape[1]
    msg.is_bigendian = int(big_endian)
    msg.data = padded.tobytes()
    return msg


def test_bgr8_and_rgb8_round_trip(photo_bgr):
    rgb = cv2.cvtColor(photo_bgr, cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(to_rgb8(message(photo_bgr, "bgr8")), rgb)
    np.testing.assert_array_equal(to_rgb8(message(rgb, "rgb8")), rgb)
    np.testing.assert_array_equal(imgmsg_to_cv2(message(rgb, "rgb8"), "bgr8"), photo_bgr)
    np.testing.assert_array_equal(imgmsg_to_cv2(cv2_to_imgmsg(photo_bgr, "bgr8")), photo_bgr)


def test_bgra8_drops_alpha(photo_bgr):
    bgra = cv2.cvtColor(photo_bgr, cv2.COLOR_BGR2BGRA)
    bgra[..., 3] = 7
    np.testing.assert_array_equal(to_rgb8(message(bgra, "bgra8")), cv2.cvtColor(photo_bgr, cv2.COLOR_BGR2RGB))


def test_mono8_and_16uc1_become_grey_rgb(photo_bgr):
    grey = cv2.cvtColor(photo_bgr, cv2.COLOR_BGR2GRAY)
    out = to_rgb8(message(grey, "mono8"))
    assert out.shape == grey.shape + (3,) and (out[..., 0] == grey).all() and (out[..., 2] == grey).all()
    depth = grey.astype(np.uint16) * 257  # 16-bit data whose top byte is the grey value
    np.testing.assert_array_equal(imgmsg_to_cv2(message(depth, "16UC1")), depth)
    np.testing.assert_array_equal(to_rgb8(message(depth, "16UC1"))[..., 1], grey)


def test_big_endian_16_bit_data(photo_bgr):
    depth = cv2.cvtColor(photo_bgr, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 200
    np.testing.assert_array_equal(imgmsg_to_cv2(message(depth, "16UC1", big_endian=True)), depth)


def test_padded_rows_are_skipped(photo_bgr):
    np.testing.assert_array_equal(imgmsg_to_cv2(message(photo_bgr, "bgr8", step_padding=13)), photo_bgr)


@pytest.mark.parametrize("ext", [".jpg", ".png"])
def test_compressed_jpeg_and_png(photo_bgr, ext):
    ok, encoded = cv2.imencode(ext, photo_bgr)
    msg = CompressedImage()
    msg.format = ext[1:]
    msg.data = encoded.tobytes()
    decoded = compressed_imgmsg_to_cv2(msg)
    assert decoded.shape == photo_bgr.shape
    if ext == ".png":
        np.testing.assert_array_equal(decoded, photo_bgr)  # lossless
    else:
        assert np.abs(decoded.astype(int) - photo_bgr).mean() < 5.0  # JPEG at OpenCV's default quality
    np.testing.assert_array_equal(to_rgb8(msg), cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB))


def bad_messages(photo_bgr):
    wrong = message(photo_bgr, "bgr8")
    wrong.encoding = "yuv422_yuy2"
    short_step = message(photo_bgr, "bgr8")
    short_step.step = 10
    truncated = message(photo_bgr, "bgr8")
    truncated.data = truncated.data[:-100]
    empty = Image()
    empty.encoding = "rgb8"
    huge = Image()
    huge.encoding, huge.height, huge.width, huge.step = "mono8", 4320, 7680, 7680
    corrupt = CompressedImage()
    corrupt.format = "jpeg"
    corrupt.data = cv2.imencode(".jpg", photo_bgr)[1].tobytes()[:40]
    return [(wrong, "unsupported_encoding"), (short_step, "bad_step"), (truncated, "truncated"),
            (empty, "empty"), (huge, "too_large"), (corrupt, "corrupt_compressed")]


def test_every_malformed_image_is_refused_with_a_countable_reason(photo_bgr):
    for msg, reason in bad_messages(photo_bgr):
        with pytest.raises(BadImageError) as caught:
            to_rgb8(msg)
        assert caught.value.kind == reason, f"{reason}: {caught.value}"


def compressed(data: bytes, fmt: str) -> CompressedImage:
    msg = CompressedImage()
    msg.format, msg.data = fmt, data
    return msg


def test_compressed_sizes_are_read_from_the_header_of_real_jpeg_and_png(photo_bgr):
    for extension, options in ((".jpg", []), (".jpg", [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]), (".png", [])):
        data = cv2.imencode(extension, photo_bgr, options)[1].tobytes()
        assert compressed_dimensions(data) == (163, 101), extension
    assert compressed_dimensions(black_grey_png(30000, 20000)[:40]) == (30000, 20000)


def test_decompression_bombs_are_refused_from_their_header_before_decoding():
    bomb = black_grey_png(20000, 20000)  # 400 MB once decoded, 400 kB on the wire
    assert len(bomb) < 1_000_000
    with pytest.raises(BadImageError) as caught:
        to_rgb8(compressed(bomb, "png"))
    assert caught.value.kind == "side_too_long"
    large = black_grey_png(4000, 4000)
    with pytest.raises(BadImageError) as caught:
        to_rgb8(compressed(large, "png"))
    assert caught.value.kind == "too_large"
    webp = cv2.imencode(".webp", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    with pytest.raises(BadImageError) as caught:
        to_rgb8(compressed(webp, "webp"))
    assert caught.value.kind == "unsupported_compression"


def test_the_largest_side_is_accepted_and_one_pixel_more_refused_before_conversion():
    """MediaPipe aborts the process on a side of 32767 (frame_size.py); we refuse well before."""
    longest = np.zeros((1, MAX_SIDE, 3), np.uint8)
    assert to_rgb8(message(longest, "rgb8")).shape == (1, MAX_SIDE, 3)
    assert to_rgb8(message(longest.transpose(1, 0, 2).copy(), "rgb8")).shape == (MAX_SIDE, 1, 3)
    for width, height in ((MAX_SIDE + 1, 1), (1, MAX_SIDE + 1), (100000, 1), (32767, 1)):
        too_long = Image(encoding="rgb8", width=width, height=height, step=width * 3, data=bytes(width * height * 3))
        with pytest.raises(BadImageError) as caught:
            to_rgb8(too_long)
        assert caught.value.kind == "side_too_long", (width, height)
