"""Does the model's answer survive what should not change it?

The same recorded motion, on clips no training run saw (cross_source.holdout_clips), filmed by
the same camera with one nuisance changed at a time:
- `visibility all 1`: every landmark fully visible instead of MediaPipe's measured visibility;
- `bones +-15 %`: each segment of the body scaled by U(0.85, 1.15);
- `yaw +90`, `yaw +180`, `yaw +270`: the camera a quarter, half, three quarters around the person;
- `head down 20 deg`, `lean forward 10 deg`: studio quirks. Rigs differ in where they put the head
  and how far the body leans at rest, and so do people: the head pitched down about the neck, or
  the upper body tilted forward about the hips, with the motion otherwise the recording's.
Agreement is the share of windows (emitted in both versions) whose top class is the reference's.
An emotion does not change with the camera or the body; a model that reads emotion should not
either. The goal is 90 % for each; the model card reports what the shipped model reaches.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..core.landmarks import LEFT_HIP, RIGHT_HIP
from ..core.windows import sliding_windows
from .mocap.body import carried, random_body_scales, scale_body
from .mocap.corpus import Clip, clip_landmarks
from .mocap.projection import observe, random_camera
from .mocap_windows import clip_seed, clip_yaw
from .recipe import WINDOW

PERTURBATIONS = ("visibility all 1", "bones +-15 %", "yaw +90", "yaw +180", "yaw +270", "head down 20 deg",
                 "lean forward 10 deg")
# Tempo is not emotion: one person walks at 0.7x and 1.4x of another's pace (playback speed, as
# the training's tempo augmentation plays it), and the label should not follow.
TEMPO_SPEEDS = (0.7, 1.4)
STRIDE_S = 0.25


def _quirk(landmarks: np.ndarray, perturbation: str) -> np.ndarray:
    if perturbation == "head down 20 deg":
        return carried(landmarks, head_down_deg=20.0)
    if perturbation == "lean forward 10 deg":
        return carried(landmarks, lean_forward_deg=10.0)
    return landmarks


def _windows(landmarks: np.ndarray, fps: float, clip: Clip, seed: int, perturbation: str,
             speed: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Every window of one view of the clip (and which of them the node would emit), replayed at
    `speed`, ending at the same recorded instants whatever the speed, so versions stay aligned."""
    base = clip_seed(clip, seed)
    turn = {"yaw +90": 0.5, "yaw +180": 1.0, "yaw +270": 1.5}.get(perturbation, 0.0) * np.pi
    body = _quirk(landmarks, perturbation)
    if perturbation == "bones +-15 %":
        body = scale_body(landmarks, random_body_scales(np.random.default_rng(base + 2), 0.15))
    hips = 0.5 * (landmarks[:, LEFT_HIP] + landmarks[:, RIGHT_HIP])
    camera = random_camera(np.random.default_rng(base), hips.mean(axis=0), clip_yaw(clip, seed) + turn)
    raw = observe(body, camera, np.random.default_rng(base + 1))
    if perturbation == "visibility all 1":
        raw[..., 3] = 1.0
    recorded = np.arange(len(raw)) / fps
    ends = np.arange(0.0, recorded[-1] + 1e-9, STRIDE_S)
    return sliding_windows(recorded / speed, raw, WINDOW, STRIDE_S, keep_all=True, ends=ends / speed)


def agreement(predict: Callable[[np.ndarray], np.ndarray], clips: Sequence[Clip], seed: int = 0) -> dict:
    """{perturbation: share of windows keeping the reference's top class}, plus window counts.
    `predict` maps [N, T, 33, 4] windows to [N, K] probabilities."""
    kept = {name: [] for name in PERTURBATIONS}
    for clip in clips:
        landmarks, fps = clip_landmarks(clip)
        reference, emitted = _windows(landmarks, fps, clip, seed, "reference")
        if not emitted.any():
            continue
        reference_class = predict(reference).argmax(axis=1)
        for name in PERTURBATIONS:
            windows, also = _windows(landmarks, fps, clip, seed, name)
            both = emitted & also
            if both.any():
                kept[name].append(predict(windows[both]).argmax(axis=1) == reference_class[both])
    return {name: {"agreement": float(np.concatenate(values).mean()) if values else float("nan"),
                   "windows": int(sum(len(v) for v in values))} for name, values in kept.items()}


def tempo_label_change(predict: Callable[[np.ndarray], np.ndarray], clips: Sequence[Clip], seed: int = 0) -> dict:
    """The share of windows whose top class differs between the clip replayed at TEMPO_SPEEDS'
    two speeds, compared at the same recorded instants (windows emitted at both)."""
    changed = []
    for clip in clips:
        landmarks, fps = clip_landmarks(clip)
        (slow, emitted_slow), (fast, emitted_fast) = (_windows(landmarks, fps, clip, seed, "reference", speed)
                                                      for speed in TEMPO_SPEEDS)
        both = emitted_slow & emitted_fast
        if both.any():
            changed.append(predict(slow[both]).argmax(axis=1) != predict(fast[both]).argmax(axis=1))
    values = np.concatenate(changed) if changed else np.zeros(0, bool)
    return {"share": float(values.mean()) if len(values) else float("nan"), "windows": int(len(values)),
            "speeds": list(TEMPO_SPEEDS)}
