"""The seed's static baseline: a Random Forest on pose statistics of a window.

Features per window: mean and standard deviation of every joint's normalized x and y, mean
speed of every joint (frame-to-frame displacement), the hip trajectory's speed, and the mean
and spread of eight joint angles (elbows, shoulders, hips, knees). Missing joints count as absent.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from ..core.landmarks import INDEX

_ANGLES = [
    ("left_shoulder", "left_elbow", "left_wrist"), ("right_shoulder", "right_elbow", "right_wrist"),
    ("left_hip", "left_shoulder", "left_elbow"), ("right_hip", "right_shoulder", "right_elbow"),
    ("left_shoulder", "left_hip", "left_knee"), ("right_shoulder", "right_hip", "right_knee"),
    ("left_hip", "left_knee", "left_ankle"), ("right_hip", "right_knee", "right_ankle"),
]


def pose_statistics(windows: np.ndarray) -> np.ndarray:
    """[N, T, 33, 4] -> [N, F] static features."""
    xy = windows[..., :2]
    present = windows[..., 3] > 0.5
    weight = present[..., None].astype(float)
    count = np.maximum(weight.sum(axis=1), 1.0)
    mean = (xy * weight).sum(axis=1) / count
    std = np.sqrt((((xy - mean[:, None]) ** 2) * weight).sum(axis=1) / count)
    step = np.linalg.norm(np.diff(xy, axis=1), axis=-1) * (present[:, 1:] & present[:, :-1])
    speed = step.mean(axis=1)
    hips = 0.5 * (xy[:, :, INDEX["left_hip"]] + xy[:, :, INDEX["right_hip"]])
    hip_speed = np.linalg.norm(np.diff(hips, axis=1), axis=-1).mean(axis=1, keepdims=True)
    angles = []
    for a, b, c in _ANGLES:
        u = xy[:, :, INDEX[a]] - xy[:, :, INDEX[b]]
        v = xy[:, :, INDEX[c]] - xy[:, :, INDEX[b]]
        cosine = (u * v).sum(-1) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1), 1e-6)
        angle = np.arccos(np.clip(cosine, -1, 1))
        angles += [angle.mean(axis=1, keepdims=True), angle.std(axis=1, keepdims=True)]
    return np.concatenate([mean.reshape(len(xy), -1), std.reshape(len(xy), -1), speed, hip_speed, *angles], axis=1)


def random_forest(seed: int, workers: Optional[int] = None) -> RandomForestClassifier:
    """`workers`: parallel tree builders, by default one per core of this machine."""
    return RandomForestClassifier(n_estimators=200, min_samples_leaf=2, n_jobs=workers or os.cpu_count() or 1,
                                  random_state=seed)
