"""Labelled videos -> landmark clips (docs/CLIP_FORMAT.md), through the same pose pipeline."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from ..core.pose import PoseConfig, PoseEstimator
from ..core.tracking import Tracker
from ..training.clips import LandmarkClip
from .video import VideoSource


def extract_clip(video: Path, label: str, pose: PoseConfig = PoseConfig(), subject: str = "",
                 valence: Optional[float] = None, arousal: Optional[float] = None,
                 max_frames: Optional[int] = None) -> LandmarkClip:
    """The longest-tracked person in `video` as a clip (one labelled person per video)."""
    source = VideoSource.open(str(video))
    estimator = PoseEstimator(pose)
    tracker = Tracker()
    tracks: dict[int, list[tuple[float, np.ndarray]]] = defaultdict(list)
    try:
        for stamp, bgr in source.frames(max_frames):
            for track_id, person in tracker.update(
                estimator.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), stamp), stamp
            ):
                tracks[track_id].append((stamp, person.landmarks))
    finally:
        estimator.close()
        source.close()
    if not tracks:
        raise ValueError(f"{video}: nobody was tracked; nothing to extract")
    frames = max(tracks.values(), key=len)
    return LandmarkClip(
        np.stack([lm for _, lm in frames]),
        np.array([s for s, _ in frames]),
        source.fps,
        label,
        subject,
        valence,
        arousal,
    )
