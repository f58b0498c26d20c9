"""Other bodies from one recording: bone lengths and widths changed, the motion's angles kept.

Three actors and one actor are few bodies; a model that learned their proportions (how long a
thigh is against the torso) fails on the next person. Each landmark hangs off a parent in a tree
rooted at the mid-hip; scaling a segment moves its landmark and everything below it, so the joint
angles, the timing and the path of the hips are the recording's own.
"""
from __future__ import annotations

import numpy as np

from ...core.landmarks import INDEX, LANDMARK_NAMES, NUM_LANDMARKS

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
