"""The 33 MediaPipe Pose landmarks: names, body-side symmetry and the drawing skeleton.

One definition shared by normalization (mirroring needs the left/right permutation), the mocap
mapping used for training, and the overlay renderer.
"""
from __future__ import annotations

import numpy as np

LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)
NUM_LANDMARKS = len(LANDMARK_NAMES)
INDEX = {name: i for i, name in enumerate(LANDMARK_NAMES)}

LEFT_SHOULDER, RIGHT_SHOULDER = INDEX["left_shoulder"], INDEX["right_shoulder"]
LEFT_HIP, RIGHT_HIP = INDEX["left_hip"], INDEX["right_hip"]
TORSO = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)  # the joints a valid frame needs


def _mirror_permutation() -> np.ndarray:
    """Index map that swaps every left_* landmark with its right_* twin."""
    perm = np.arange(NUM_LANDMARKS)
    for name, i in INDEX.items():
        if name.startswith("left_"):
            perm[i] = INDEX["right_" + name[len("left_"):]]
        elif name.startswith("right_"):
            perm[i] = INDEX["left_" + name[len("right_"):]]
        elif name == "mouth_left":
            perm[i] = INDEX["mouth_right"]
        elif name == "mouth_right":
            perm[i] = INDEX["mouth_left"]
    return perm


MIRROR_PERMUTATION: np.ndarray = _mirror_permutation()

SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)
