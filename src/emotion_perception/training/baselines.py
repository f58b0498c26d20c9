"""Static baselines: a classifier on statistics of a window, no network.

- The seed's Random Forest on pose statistics: mean and standard deviation of every joint's
  normalized x and y, mean speed of every joint (frame-to-frame displacement), the hip
  trajectory's speed, and the mean and spread of eight joint angles (elbows, shoulders, hips,
  knees). Missing joints count as absent.
- The gait-emotion literature's motion statistics: each joint's speed and acceleration over the
  window in body (torso) lengths per second, their mean, spread and maximum, with a linear
  classifier. On many actors it transfers to new people better than most networks (issue 26
  has the figures it is measured against); it is the bar ours has to clear across studios.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from ..core.landmarks import INDEX
from .recipe import WINDOW

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


def motion_statistics(windows: np.ndarray, fps: float = WINDOW.fps) -> np.ndarray:
    """[N, T, 33, 4] normalized windows (torso lengths) -> [N, 33 * 6] features: each joint's speed
    and acceleration magnitude (torso lengths per second, and per second squared), their mean,
    standard deviation and maximum over the instants where the joint is present."""
    xy = windows[..., :2].astype(np.float64)
    present = windows[..., 3] > 0.5
    velocity = np.diff(xy, axis=1) * fps
    moving = present[:, 1:] & present[:, :-1]
    acceleration = np.diff(velocity, axis=1) * fps
    accelerating = moving[:, 1:] & moving[:, :-1]
    features = []
    for values, mask in ((np.linalg.norm(velocity, axis=-1), moving),
                         (np.linalg.norm(acceleration, axis=-1), accelerating)):
        count = np.maximum(mask.sum(axis=1), 1)
        mean = (values * mask).sum(axis=1) / count
        spread = np.sqrt((((values - mean[:, None]) ** 2) * mask).sum(axis=1) / count)
        features += [mean, spread, np.where(mask, values, 0.0).max(axis=1)]
    return np.concatenate(features, axis=1).astype(np.float32)


def linear(seed: int) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))


# name -> (window features, classifier for a seed)
STATIC = {
    "random_forest": (pose_statistics, random_forest),
    "motion_statistics_linear": (motion_statistics, linear),
}


def static_answers(train: np.ndarray, labels: np.ndarray, test: np.ndarray, classes: int,
                   seed: int) -> dict[str, np.ndarray]:
    """Each static baseline fitted on the training windows: its [N, classes] probabilities on the
    test windows (zero for a class absent from training). Every protocol builds them here."""
    answers = {}
    for name, (features, classifier) in STATIC.items():
        fitted = classifier(seed).fit(features(train), labels)
        probabilities = np.zeros((len(test), classes))
        probabilities[:, fitted.classes_] = fitted.predict_proba(features(test))
        answers[name] = probabilities
    return answers
