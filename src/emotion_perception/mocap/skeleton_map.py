"""Bandai Namco's 22-joint mocap skeleton -> the 33 MediaPipe Pose landmarks, in 3D (cm, Y up).

Joints with a mocap counterpart are taken as they are (shoulders = UpperArm, elbows = LowerArm,
wrists = Hand, hips = UpperLeg, knees = LowerLeg, ankles = Foot). Points the skeleton lacks are
derived where that is sound:
- face (nose, eyes, ears, mouth) rigidly from the Head joint's frame (local x up, y forward,
  z the actor's left: checked on the data), with average adult face offsets;
- hands and feet from joint *positions* only, because the rig's left and right limb frames are
  mirrored (right-side bones run along -x): the knuckles (index, pinky) lie beyond the wrist
  along the forearm, thumb toward the body's front; the foot tip continues the ankle-to-toe
  direction, the heel sits behind and below the ankle in the plane of the foot.
These are approximations of a few cm; the jitter added at projection is of the same order, so
the model is not taught to rely on their exact placement.
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
# Face points: offsets (cm) in the Head joint's frame: x up, y forward, z the actor's left.
FACE = {
    "nose": (8.0, 10.0, 0.0),
    "left_eye_inner": (11.0, 8.5, 1.5), "left_eye": (11.0, 8.0, 3.2), "left_eye_outer": (11.0, 7.0, 4.8),
    "right_eye_inner": (11.0, 8.5, -1.5), "right_eye": (11.0, 8.0, -3.2), "right_eye_outer": (11.0, 7.0, -4.8),
    "left_ear": (9.0, 0.0, 7.5), "right_ear": (9.0, 0.0, -7.5),
    "mouth_left": (4.0, 9.0, 2.5), "mouth_right": (4.0, 9.0, -2.5),
}
HAND_POINTS = ("pinky", "index", "thumb")
FOOT_POINTS = ("heel", "foot_index")
_DERIVED = set(FACE) | {f"{side}_{point}" for side in ("left", "right") for point in HAND_POINTS + FOOT_POINTS}
assert set(DIRECT) | _DERIVED == set(INDEX), "every MediaPipe landmark needs a source"
_UP = np.array([0.0, 1.0, 0.0])


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-9)


def mocap_landmarks(motion: BvhMotion) -> np.ndarray:
    """[frames, 33, 3] landmark positions in the mocap world (cm, Y up)."""
    positions, rotations = motion.forward_kinematics()
    out = np.zeros((len(positions), NUM_LANDMARKS, 3))
    for name, joint in DIRECT.items():
        out[:, INDEX[name]] = positions[:, motion.index(joint)]
    head = motion.index("Head")
    for name, offset in FACE.items():
        out[:, INDEX[name]] = positions[:, head] + rotations[:, head] @ np.asarray(offset)
    forward = _unit(np.cross(out[:, INDEX["left_hip"]] - out[:, INDEX["right_hip"]], _UP))  # body's facing
    for side, letter in (("left", "L"), ("right", "R")):
        wrist, elbow = positions[:, motion.index(f"Hand_{letter}")], positions[:, motion.index(f"LowerArm_{letter}")]
        along = _unit(wrist - elbow)
        out[:, INDEX[f"{side}_index"]] = wrist + 8.0 * along + 2.0 * forward
        out[:, INDEX[f"{side}_pinky"]] = wrist + 7.0 * along - 2.0 * forward
        out[:, INDEX[f"{side}_thumb"]] = wrist + 4.0 * along + 4.0 * forward
        ankle, toes = positions[:, motion.index(f"Foot_{letter}")], positions[:, motion.index(f"Toes_{letter}")]
        foot = toes - ankle
        length = np.linalg.norm(foot, axis=-1, keepdims=True)
        direction = _unit(foot)
        foot_up = _unit(_UP - (direction @ _UP)[:, None] * direction)
        out[:, INDEX[f"{side}_foot_index"]] = toes + 0.5 * foot
        out[:, INDEX[f"{side}_heel"]] = ankle - 0.3 * length * direction - 0.6 * length * foot_up
    return out
