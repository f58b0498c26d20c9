"""The benchmark's inputs: real footage, read once per run."""
from __future__ import annotations

import numpy as np

from ..core.data_sources import tfjs_footage


def rgb_frames(name: str) -> tuple[list[np.ndarray], float]:
    """Every frame of one of the footage videos as RGB, and its frame rate."""
    import cv2

    capture = cv2.VideoCapture(str(tfjs_footage(name)))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    try:
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    finally:
        capture.release()
    return frames, fps


def mosaic_of_eight(count: int = 30, tile: int = 320) -> list[np.ndarray]:
    """RGB frames with eight people: pose_1.mp4 at eight different moments in a 2 x 4 grid (real
    footage; we have no recording of eight people close enough for MediaPipe's full model)."""
    import cv2

    clip = [cv2.resize(rgb, (tile, tile), interpolation=cv2.INTER_AREA) for rgb in rgb_frames("pose_1.mp4")[0]]
    frames = []
    for index in range(count):
        tiles = [clip[(index + offset * 13) % len(clip)] for offset in range(8)]
        frames.append(np.vstack([np.hstack(tiles[:4]), np.hstack(tiles[4:])]))
    return frames

