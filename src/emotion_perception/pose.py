"""MediaPipe PoseLandmarker in VIDEO (streaming) mode: RGB frames in, 33 landmarks per person out.

VIDEO mode runs the person detector only when tracking is lost, which is what makes it fast
(about 25 ms a frame for the full model on one core, against 42 ms in IMAGE mode). Its price is
that MediaPipe rejects any timestamp not strictly greater than the previous one, forever. Real
clocks jump back (a looped rosbag, a restarted camera driver, sim time), so `PoseEstimator` owns
the timestamp discipline: equal stamps are nudged forward by a millisecond, and a stamp that goes
back recreates the landmarker, with a warning, instead of failing every frame from then on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from .errors import BadImageError
from .landmarks import NUM_LANDMARKS
from .pose_models import resolve_pose_model

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class PoseConfig:
    model: str = "full"  # lite | full | heavy | path to a .task bundle
    max_people: int = 4
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5


@dataclass(frozen=True)
class PersonPose:
    """One detected person. `landmarks` is [33, 4]: x, y in pixels, z (MediaPipe's relative depth,
    scaled like x, in pixels), visibility in [0, 1]."""

    landmarks: np.ndarray

    def box(self, min_visibility: float = 0.3) -> np.ndarray:
        """Axis-aligned box [x0, y0, x1, y1] around the landmarks the model believes are visible
        (falls back to all landmarks when none are)."""
        points = self.landmarks[self.landmarks[:, 3] >= min_visibility, :2]
        if len(points) == 0:
            points = self.landmarks[:, :2]
        return np.concatenate([points.min(axis=0), points.max(axis=0)])


class PoseEstimator:
    """Stateful per-stream pose estimator; one instance per camera stream."""

    def __init__(self, config: PoseConfig = PoseConfig()) -> None:
        self.config = config
        self.model_path: Path = resolve_pose_model(config.model)
        self._landmarker = None
        self._last_timestamp_ms: Optional[int] = None
        self.clock_resets = 0

    def _create(self):
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=RunningMode.VIDEO,
            num_poses=self.config.max_people,
            min_pose_detection_confidence=self.config.min_detection_confidence,
            min_pose_presence_confidence=self.config.min_presence_confidence,
            min_tracking_confidence=self.config.min_tracking_confidence,
            output_segmentation_masks=False,
        )
        return PoseLandmarker.create_from_options(options)

    def _timestamp_ms(self, stamp_s: float) -> int:
        timestamp_ms = int(round(stamp_s * 1000.0))
        last = self._last_timestamp_ms
        if last is not None and timestamp_ms < last:
            LOG.warning(
                "pose: timestamp went back from %.3f s to %.3f s; restarting the landmarker",
                last / 1000.0, stamp_s,
            )
            self.reset()
            self.clock_resets += 1
        elif last is not None and timestamp_ms == last:
            timestamp_ms = last + 1
        self._last_timestamp_ms = timestamp_ms
        return timestamp_ms

    def process(self, rgb: np.ndarray, stamp_s: float) -> list[PersonPose]:
        """Landmarks of everyone found in `rgb` (H x W x 3, uint8, RGB order) at time `stamp_s`."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or min(rgb.shape[:2]) < 1:
            raise BadImageError(f"pose needs an HxWx3 uint8 RGB image, got shape {rgb.shape} {rgb.dtype}")
        if not np.isfinite(stamp_s):
            raise BadImageError(f"frame stamp is not finite: {stamp_s}")
        import mediapipe as mp

        timestamp_ms = self._timestamp_ms(stamp_s)
        if self._landmarker is None:
            self._landmarker = self._create()
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = self._landmarker.detect_for_video(image, timestamp_ms)
        height, width = rgb.shape[:2]
        people = []
        for person in result.pose_landmarks:
            array = np.array(
                [(lm.x * width, lm.y * height, lm.z * width, lm.visibility or 0.0) for lm in person],
                dtype=np.float32,
            )
            if array.shape == (NUM_LANDMARKS, 4):
                people.append(PersonPose(array))
        return people

    def reset(self) -> None:
        """Forget all temporal state (the next frame starts detection afresh)."""
        self.close()
        self._last_timestamp_ms = None

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
