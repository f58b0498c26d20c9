"""The benchmark's inputs: real footage, through a bag, as the node receives it."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.data_sources import tfjs_footage
from ..doors.bag.from_video import video_to_bag
from ..doors.bag.images import read_images
from ..ros.image_conversion import to_rgb8


def bag_messages(video: Path, directory: Path, max_frames=None) -> list:
    """Image messages (rosbags) of `video`, made into a bag once per benchmark directory."""
    bag = directory / f"{video.stem}_bench_bag"
    if not bag.exists():
        video_to_bag(video, bag, max_frames=max_frames)
    return [image.message for image in read_images(bag)]


def one_person(directory: Path) -> list:
    return bag_messages(tfjs_footage("pose_1.mp4"), directory)


def mosaic_of_eight(count: int = 30, tile: int = 320) -> list[np.ndarray]:
    """RGB frames with eight people: pose_1.mp4 at eight different moments in a 2 x 4 grid (real
    footage; we have no recording of eight people close enough for MediaPipe's full model)."""
    import cv2

    capture = cv2.VideoCapture(str(tfjs_footage("pose_1.mp4")))
    clip = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        clip.append(cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), (tile, tile), interpolation=cv2.INTER_AREA))
    frames = []
    for index in range(count):
        tiles = [clip[(index + offset * 13) % len(clip)] for offset in range(8)]
        frames.append(np.vstack([np.hstack(tiles[:4]), np.hstack(tiles[4:])]))
    return frames


def decoded(messages: list) -> list[np.ndarray]:
    return [to_rgb8(message) for message in messages]

