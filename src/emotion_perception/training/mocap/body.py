"""Other bodies from one recording: bone lengths and widths changed, the motion's angles kept;
the head and the trunk carried at another pitch.

Three actors and one actor are few bodies; a model that learned their proportions (how long a
thigh is against the torso) fails on the next person. Each landmark hangs off a parent in a tree
rooted at the mid-hip; scaling a segment moves its landmark and everything below it, so the joint
angles, the timing and the path of the hips are the recording's own.

Rigs differ in where they put the head and how far the body leans at rest, and so do people: a
head carried low is not sadness, nor is a forward lean anger. `carried` turns the head about the
neck and the upper body about the hips by a fixed angle, the motion otherwise the recording's.
"""
from __future__ import annotations

import numpy as np

from ...core.landmarks import INDEX, LANDMARK_NAMES, LEFT_HIP, LEFT_SHOULDER, NUM_LANDMARKS, RIGHT_HIP, RIGHT_SHOULDER

SEGMENTS = ("torso", "head", "shoulder_width", "hip_width", "upper_arm", "forearm", "hand", "thigh", "shank", "foot")
_MID_HIP, _MID_SHOULDER = NUM_LANDMARKS, NUM_LANDMARKS + 1  # two virtual points after the 33


def _tree() -> list[tuple[int, int, str]]:
    """(landmark, parent, segment) in an order where every parent comes before its children."""
    edges = [(_MID_SHOULDER, _MID_HIP, "torso")]
    for side in ("left", "right"):
        edges += [(INDEX[f"{side}_hip"], _MID_HIP, "hip_width"),
                  (INDEX[f"{side}_knee"], INDEX[f"{side}_hip"], "thigh"),
                  (INDEX[f"{side}_ankle"], INDEX[f"{side}_knee"], "shank"),
                  (INDEX[f"{side}_heel"], INDEX[f"{side}_ankle"], "foot"),
                  (INDEX[f"{side}_foot_index"], INDEX[f"{side}_ankle"], "foot"),
                  (INDEX[f"{side}_shoulder"], _MID_SHOULDER, "shoulder_width"),
                  (INDEX[f"{side}_elbow"], INDEX[f"{side}_shoulder"], "upper_arm"),
                  (INDEX[f"{side}_wrist"], INDEX[f"{side}_elbow"], "forearm")]
        edges += [(INDEX[f"{side}_{p}"], INDEX[f"{side}_wrist"], "hand") for p in ("pinky", "index", "thumb")]
    edges += [(INDEX[name], _MID_SHOULDER, "head") for name in LANDMARK_NAMES[:11]]
    return edges


TREE = _tree()
FACE = list(range(11))  # nose, eyes, ears, mouth (core.landmarks order)
UPPER_BODY = FACE + [INDEX[f"{side}_{point}"] for side in ("left", "right")
                     for point in ("shoulder", "elbow", "wrist", "pinky", "index", "thumb")]
assert sorted(child for child, _, _ in TREE) == list(range(NUM_LANDMARKS + 2))[:NUM_LANDMARKS] + [_MID_SHOULDER]


def random_body_scales(rng: np.random.Generator, spread: float) -> dict[str, float]:
    """One factor per segment, uniform in [1 - spread, 1 + spread] (the same on both sides)."""
    return {segment: float(rng.uniform(1.0 - spread, 1.0 + spread)) for segment in SEGMENTS}


def scale_body(landmarks_3d: np.ndarray, scales: dict[str, float]) -> np.ndarray:
    """[frames, 33, 3] -> the same motion performed by a body with segments scaled by `scales`."""
    def middle(left: str, right: str) -> np.ndarray:
        return 0.5 * (landmarks_3d[:, [INDEX[left]]] + landmarks_3d[:, [INDEX[right]]])

    old = np.concatenate([landmarks_3d, middle("left_hip", "right_hip"), middle("left_shoulder", "right_shoulder")],
                         axis=1)
    new = old.copy()
    for child, parent, segment in TREE:
        new[:, child] = new[:, parent] + scales.get(segment, 1.0) * (old[:, child] - old[:, parent])
    return new[:, :NUM_LANDMARKS].astype(landmarks_3d.dtype)


def pitched_forward(landmarks: np.ndarray, points: list[int], pivot: np.ndarray, degrees: float) -> np.ndarray:
    """[frames, 33, 3] with `points` turned about `pivot` [frames, 3] around the body's left-right
    axis (from the hips), the top toward the body's front (negative degrees: toward its back)."""
    axis = landmarks[:, LEFT_HIP] - landmarks[:, RIGHT_HIP]
    axis = axis / np.maximum(np.linalg.norm(axis, axis=-1, keepdims=True), 1e-9)
    angle = np.radians(degrees)
    out = landmarks.copy()
    v = landmarks[:, points] - pivot[:, None]
    k = axis[:, None]
    # Rodrigues: about the left axis, up turns toward left x up = forward (Y up, as the rigs are read)
    out[:, points] = pivot[:, None] + (v * np.cos(angle) + np.cross(k, v) * np.sin(angle)
                                       + k * np.sum(k * v, axis=-1, keepdims=True) * (1 - np.cos(angle)))
    return out


def carried(landmarks: np.ndarray, head_down_deg: float = 0.0, lean_forward_deg: float = 0.0) -> np.ndarray:
    """The motion with the head pitched down about the neck and the upper body tilted forward
    about the hips (negative: up and back)."""
    out = landmarks
    if lean_forward_deg:
        hips = 0.5 * (out[:, LEFT_HIP] + out[:, RIGHT_HIP])
        out = pitched_forward(out, UPPER_BODY, hips, lean_forward_deg)
    if head_down_deg:
        neck = 0.5 * (out[:, LEFT_SHOULDER] + out[:, RIGHT_SHOULDER])
        out = pitched_forward(out, FACE, neck, head_down_deg)
    return out
