"""The picture that checks the mocap-to-camera path: a projected mocap frame beside a real
MediaPipe skeleton from our footage, both as pixels and as the normalized features the model
sees (these should look alike, or training teaches the wrong thing)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..core.data_sources import tfjs_footage
from ..core.landmarks import INDEX, SKELETON_EDGES
from ..core.normalize import normalize_window, resample_window
from ..core.pose import PoseConfig, PoseEstimator
from .mocap.corpus import clip_landmarks, list_clips
from .mocap.projection import observe, random_camera


def _real_window(frames: int = 60) -> tuple[np.ndarray, np.ndarray]:
    capture = cv2.VideoCapture(str(tfjs_footage("pose_1.mp4")))
    landmarks, stamps = [], []
    with PoseEstimator(PoseConfig(max_people=1)) as estimator:
        for index in range(frames):
            ok, bgr = capture.read()
            if not ok:
                break
            people = estimator.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), index / 30.0)
            if people:
                landmarks.append(people[0].landmarks)
                stamps.append(index / 30.0)
    return np.array(stamps), np.stack(landmarks)


def _mocap_window(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    clip = next(c for c in list_clips(["bandai"], {"dataset-1"}) if c.name == "dataset-1_walk_happy_001")
    landmarks, fps = clip_landmarks(clip)
    rng = np.random.default_rng(seed)
    hips = 0.5 * (landmarks[:, INDEX["left_hip"]] + landmarks[:, INDEX["right_hip"]])
    raw = observe(landmarks[60:120], random_camera(rng, hips[60:120].mean(axis=0)), rng)
    return np.arange(len(raw)) / fps, raw


def _draw(axis, points: np.ndarray, visible: np.ndarray, title: str, invert: bool = True) -> None:
    for a, b in SKELETON_EDGES:
        if visible[a] and visible[b]:
            axis.plot(points[[a, b], 0], points[[a, b], 1], "-", color="tab:blue", lw=1.5)
    axis.plot(points[visible, 0], points[visible, 1], "o", color="tab:orange", ms=3)
    axis.set_title(title, fontsize=9)
    axis.set_aspect("equal")
    if invert:
        axis.invert_yaxis()


def plot_projection_vs_real(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(8, 8))
    for row, (name, (stamps, raw)) in enumerate((("real MediaPipe (pose_1.mp4)", _real_window()),
                                                 ("projected mocap (walk, happy)", _mocap_window()))):
        last = raw[-1]
        _draw(axes[row, 0], last[:, :2], last[:, 3] >= 0.5, f"{name}: pixels")
        window = resample_window(stamps, raw, fps=15.0, length=30)
        features, _ = normalize_window(window)
        _draw(axes[row, 1], features[-1, :, :2], features[-1, :, 3] > 0.5, f"{name}: model input (torso units)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
