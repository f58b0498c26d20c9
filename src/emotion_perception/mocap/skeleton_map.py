"""Bandai Namco's 22-joint mocap skeleton -> the 33 MediaPipe Pose landmarks, in 3D (cm, Y up).

Joints with a mocap counterpart are taken as they are (shoulders = UpperArm, elbows = LowerArm,
wrists = Hand, hips = UpperLeg, knees = LowerLeg, ankles = Foot). Points the skeleton lacks are
derived rigidly from the nearest joint's frame, which is sound for rigid body parts:
- face (nose, eyes, ears, mouth) from the Head joint's frame (local x up, y forward, z the actor's
  left), with average adult face offsets;
- hand points (pinky, index, thumb knuckles) from the Hand frame (local x along the hand);
- heel and foot tip from the Foot and Toes frames.
The finger and face points are approximations (a few cm); the jitter added at projection is of
the same order, so the model is not taught to rely on their exact placement.
"""
from __future__ import annotations

import numpy as np

from ..landmarks import INDEX, NUM_LANDMARKS
from .bvh import BvhMotion

DIRECT = {
    "left_shoulder": "UpperArm_L", "right_shoulder": "UpperArm_R",
    "left_elbow": "LowerArm_L", "right_elbow": "LowerArm_R",
    "left_wrist": "Hand_L", "right_wrist": "Hand_R",
    "left_hip": "UpperLeg_L", "right_hip": "UpperLeg_R",
    "left_knee": "LowerLeg_L", "right_knee": "LowerLeg_R",
    "left_ankle": "Foot_L", "right_ankle": "Foot_R",
}
# name: (joint, offset in that joint's local frame, cm). Face: x up, y forward, z actor's left.
_FACE = {
    "nose": (8.0, 10.0, 0.0),
    "left_eye_inner": (11.0, 8.5, 1.5), "left_eye": (11.0, 8.0, 3.2), "left_eye_outer": (11.0, 7.0, 4.8),
    "right_eye_inner": (11.0, 8.5, -1.5), "right_eye": (11.0, 8.0, -3.2), "right_eye_outer": (11.0, 7.0, -4.8),
    "left_ear": (9.0, 0.0, 7.5), "right_ear": (9.0, 0.0, -7.5),
    "mouth_left": (4.0, 9.0, 2.5), "mouth_right": (4.0, 9.0, -2.5),
}
DERIVED = {name: ("Head", offset) for name, offset in _FACE.items()}
for side, sign in (("left", 1.0), ("right", -1.0)):
    hand, foot, toes = f"Hand_{side[0].upper()}", f"Foot_{side[0].upper()}", f"Toes_{side[0].upper()}"
    DERIVED[f"{side}_pinky"] = (hand, (7.0, 0.0, -2.5 * sign))
    DERIVED[f"{side}_index"] = (hand, (8.0, 0.0, 2.5 * sign))
    DERIVED[f"{side}_thumb"] = (hand, (4.0, 0.0, 4.0 * sign))
    DERIVED[f"{side}_heel"] = (foot, (11.0, 0.0, -5.0))
    DERIVED[f"{side}_foot_index"] = (toes, (6.0, 0.0, 0.0))

assert set(DIRECT) | set(DERIVED) == set(INDEX), "every MediaPipe landmark needs a source"


def mocap_landmarks(motion: BvhMotion) -> np.ndarray:
    """[frames, 33, 3] landmark positions in the mocap world (cm, Y up)."""
    positions, rotations = motion.forward_kinematics()
    out = np.zeros((len(positions), NUM_LANDMARKS, 3))
    for name, joint in DIRECT.items():
        out[:, INDEX[name]] = positions[:, motion.index(joint)]
    for name, (joint, offset) in DERIVED.items():
        j = motion.index(joint)
        out[:, INDEX[name]] = positions[:, j] + rotations[:, j] @ np.asarray(offset)
    return out
