"""Our per-person results in the terms of ROS4HRI (REP-155), as plain numbers and strings.

Humanoid stacks exchange what they know about people through `/humans/bodies/...`; the node's
`hri` output fills those messages from these functions, so the mapping is one small, tested,
ROS-free piece:
- a body's id: a short string made from our track id, never reused within a node's run;
- its region of interest and its 2D skeleton in normalised image coordinates, the skeleton as
  OpenPose's 18 COCO points (the neck, which MediaPipe lacks, is the shoulders' midpoint);
- its expression: our label where hri_msgs/Expression has a constant that means it, the label
  itself where none does. REP-155 defines expressions for faces only; a body's belongs under the
  body's namespace by the same pattern (README, "For integrators").
"""
from __future__ import annotations

import numpy as np

from .landmarks import INDEX

# OpenPose COCO order (hri_msgs/Skeleton2D's constants): MediaPipe's landmark for each point;
# None for the neck, which is derived.
SKELETON_18: tuple[str | None, ...] = (
    "nose", None, "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
    "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
    "left_eye", "right_eye", "left_ear", "right_ear",
)
NECK = 1
# Our labels that hri_msgs/Expression names with another word; the rest it names as we do (neutral,
# happy, sad, angry, tired) or not at all (proud, insecure: published as our label).
EXPRESSION_OF = {"energetic": "excited"}
# Expression's own constants (hri_msgs 2.0.0), so the mapping can be checked without ROS
EXPRESSION_CONSTANTS = frozenset((
    "neutral", "angry", "sad", "happy", "surprised", "disgusted", "scared", "pleading", "vulnerable", "despaired",
    "guilty", "disappointed", "embarrassed", "horrified", "skeptical", "annoyed", "furious", "suspicious",
    "rejected", "bored", "tired", "asleep", "confused", "amazed", "excited",
))


def body_id(track_id: int, activation: int = 1) -> str:
    """REP-155's short id for one of our tracks. Track ids restart with each activation of the
    node, so the activation is part of the id: a body id is never reused within a run."""
    return f"b{track_id}" if activation == 1 else f"b{activation}_{track_id}"


def normalized_box(box: np.ndarray, width: int, height: int) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in [0, 1] from a pixel box [x0, y0, x1, y1]."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return (min(max(x0 / width, 0.0), 1.0), min(max(y0 / height, 0.0), 1.0),
            min(max(x1 / width, 0.0), 1.0), min(max(y1 / height, 0.0), 1.0))


def skeleton_18(landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    """[18, 3]: x, y in [0, 1] (points MediaPipe places outside the image are clamped to its edge)
    and a confidence in [0, 1] (the landmark's visibility; the neck's is its shoulders' lower)."""
    points = np.zeros((18, 3), np.float32)
    for index, name in enumerate(SKELETON_18):
        if name is not None:
            points[index] = landmarks[INDEX[name], [0, 1, 3]]
    shoulders = landmarks[[INDEX["left_shoulder"], INDEX["right_shoulder"]]]
    points[NECK, :2] = shoulders[:, :2].mean(axis=0)
    points[NECK, 2] = shoulders[:, 3].min()
    points[:, 0] /= width
    points[:, 1] /= height
    return np.clip(points, 0.0, 1.0)


def expression(label: str) -> str:
    """The Expression string for one of our published labels ("unknown" stays "unknown")."""
    return EXPRESSION_OF.get(label, label)
