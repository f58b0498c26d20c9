"""Our MediaPipe extraction against real reference landmarks (BlazePose full, TensorFlow.js).

The bound: our full-model bundle measured a median per-landmark error of 4.7 px (worst landmark
8.6 px) on this 720x1280 clip, where the person is about 900 px tall; the reference came from a
different runtime (tfjs) so a few pixels of disagreement are expected. The lite model, on the
same frames, is at 7.5 px (worst 13.9 px), so the bound (6 px median, 10 px worst landmark)
tells a wrong model apart, and frame-order or axis mistakes land near 100 px.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from emotion_perception.core.data_sources import tfjs_footage
from emotion_perception.core.pose import PoseConfig, PoseEstimator

MEDIAN_BOUND_PX = 6.0
WORST_LANDMARK_BOUND_PX = 10.0
FPS = 5.0


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return np.array(json.loads(tfjs_footage("pose_squats.full.json").read_text()))[:, :, :2]


def extract(frames, model: str) -> np.ndarray:
    with PoseEstimator(PoseConfig(model=model, max_people=1)) as estimator:
        out = []
        for index, rgb in enumerate(frames):
            people = estimator.process(rgb, index / FPS)
            out.append(people[0].landmarks[:, :2] if people else np.full((33, 2), np.nan))
    return np.array(out)


def per_landmark_median_error(ours: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.nanmedian(np.linalg.norm(ours - reference, axis=2), axis=0)


def within_bound(errors: np.ndarray) -> bool:
    return bool(np.median(errors) <= MEDIAN_BOUND_PX and errors.max() <= WORST_LANDMARK_BOUND_PX)


@pytest.fixture(scope="module")
def full_landmarks(squats_frames) -> np.ndarray:
    return extract(squats_frames, "full")


def test_full_model_matches_blazepose_reference(full_landmarks, reference, record_property):
    assert full_landmarks.shape == reference.shape == (65, 33, 2)
    assert not np.isnan(full_landmarks).any(), "the person was lost in some frames"
    errors = per_landmark_median_error(full_landmarks, reference)
    record_property("measurement", f"pose_squats full model vs BlazePose reference, 65 frames: median per-landmark "
                    f"error {np.median(errors):.2f} px, worst landmark {errors.max():.2f} px; per landmark (px): "
                    f"{np.round(errors, 1).tolist()}")
    assert within_bound(errors)


def test_bound_rejects_wrong_frame_order_and_swapped_axes(full_landmarks, reference):
    assert not within_bound(per_landmark_median_error(full_landmarks[::-1], reference))
    assert not within_bound(per_landmark_median_error(full_landmarks[:, :, ::-1], reference))


def test_bound_rejects_the_wrong_model(squats_frames, reference, record_property):
    errors = per_landmark_median_error(extract(squats_frames, "lite"), reference)
    record_property(
        "measurement", f"pose_squats lite model: median {np.median(errors):.2f} px, worst {errors.max():.2f} px"
    )
    assert not within_bound(errors)
