"""A mocap skeleton -> the 33 MediaPipe Pose landmarks, in 3D (cm, Y up), driven by a table.

`SkeletonTable` (one per source, from config/mocap_sources/*.yaml) names the joint behind each
landmark that has a mocap counterpart (shoulders, elbows, wrists, hips, knees, ankles), the toe
and head joints, how the head joint's local axes point, and three corrections that make the
landmarks sit where MediaPipe puts them on real people (measured: mediapipe_profile.json): the
torso lengthened by moving the whole upper body (shoulders, arms, head) along it, since MediaPipe's
shoulders sit higher above its hips than a rig's shoulder joints above its hip joints (its thighs
are 0.75 torso lengths, a rig's about 1.0); shoulder and hip width scaled about their midpoints;
and the face moved along the head's up axis.
Points a skeleton lacks are derived where that is sound:
- face (nose, eyes, ears, mouth) rigidly from the head joint's frame, with average adult face
  offsets;
- hands and feet from joint *positions* only, because rigs mirror their left and right limb
  frames: the knuckles (index, pinky) lie beyond the wrist along the forearm, thumb toward the
  body's front; the foot tip continues the ankle-to-toe direction, the heel sits behind and
  below the ankle in the plane of the foot. A rig without toe joints names the ankle's End Site
  (`<ankle>_end`, bvh.py) as its toe.
These are approximations of a few cm; the jitter added at projection is of the same order, so
the model is not taught to rely on their exact placement.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.landmarks import INDEX, LEFT_HIP, LEFT_SHOULDER, NUM_LANDMARKS, RIGHT_HIP, RIGHT_SHOULDER
from .bvh import BvhMotion

DIRECT_LANDMARKS = ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
                    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
# Face points: offsets (cm) from the head joint along its (up, forward, left) axes.
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
assert set(DIRECT_LANDMARKS) | _DERIVED == set(INDEX), "every MediaPipe landmark needs a source"
_UP = np.array([0.0, 1.0, 0.0])
UPPER_BODY = [INDEX[name] for name in FACE] + [
    INDEX[f"{side}_{point}"] for side in ("left", "right") for point in ("shoulder", "elbow", "wrist") + HAND_POINTS]


@dataclass(frozen=True)
class SkeletonTable:
    landmarks: dict[str, str]  # landmark name -> joint name, for DIRECT_LANDMARKS
    toes: dict[str, str]  # "left"/"right" -> toe joint
    head: str
    head_axes: dict[str, str]  # "up"/"forward"/"left" -> signed local axis, e.g. "+x"
    unit_cm: float = 1.0
    torso_length_scale: float = 1.0
    shoulder_width_scale: float = 1.0
    hip_width_scale: float = 1.0
    head_up_cm: float = 0.0
    # Where MediaPipe's foot index lies beyond the toe joint, in ankle-to-toe lengths: a toe joint
    # at the ball of the foot has the toe tips half a foot further on; a rig whose foot ends at the
    # ankle's End Site (no toe joint, aalto.yaml) names that End Site, already at the tips: 0.
    foot_index_beyond_toes: float = 0.5

    def __post_init__(self) -> None:
        missing = set(DIRECT_LANDMARKS) - set(self.landmarks)
        if missing or set(self.toes) != {"left", "right"} or set(self.head_axes) != {"up", "forward", "left"}:
            raise ValueError(f"skeleton table incomplete: missing landmarks {sorted(missing)}, toes {self.toes}, "
                             f"head axes {self.head_axes}")

    def head_basis(self) -> np.ndarray:
        """[3, 3] columns: the head joint's local coordinates of (up, forward, left)."""
        basis = np.zeros((3, 3))
        for column, role in enumerate(("up", "forward", "left")):
            sign, axis = self.head_axes[role][0], self.head_axes[role][1]
            basis["xyz".index(axis), column] = 1.0 if sign == "+" else -1.0
        return basis


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-9)


def _widen(out: np.ndarray, left: int, right: int, scale: float) -> None:
    middle = 0.5 * (out[:, left] + out[:, right])
    out[:, left] = middle + scale * (out[:, left] - middle)
    out[:, right] = middle + scale * (out[:, right] - middle)


def mocap_landmarks(motion: BvhMotion, table: SkeletonTable) -> np.ndarray:
    """[frames, 33, 3] landmark positions in the mocap world (cm, Y up)."""
    positions, rotations = motion.forward_kinematics()
    positions = positions * table.unit_cm
    out = np.zeros((len(positions), NUM_LANDMARKS, 3))

    def joint(name: str) -> np.ndarray:
        return positions[:, motion.index(name)]

    for name in DIRECT_LANDMARKS:
        out[:, INDEX[name]] = joint(table.landmarks[name])
    head = motion.index(table.head)
    basis = table.head_basis()
    for name, (up, forward, left) in FACE.items():
        local = basis @ np.array([up + table.head_up_cm, forward, left])
        out[:, INDEX[name]] = positions[:, head] + rotations[:, head] @ local
    forward = _unit(np.cross(out[:, LEFT_HIP] - out[:, RIGHT_HIP], _UP))  # body's facing
    for side in ("left", "right"):
        wrist, elbow = out[:, INDEX[f"{side}_wrist"]], out[:, INDEX[f"{side}_elbow"]]
        along = _unit(wrist - elbow)
        out[:, INDEX[f"{side}_index"]] = wrist + 8.0 * along + 2.0 * forward
        out[:, INDEX[f"{side}_pinky"]] = wrist + 7.0 * along - 2.0 * forward
        out[:, INDEX[f"{side}_thumb"]] = wrist + 4.0 * along + 4.0 * forward
        ankle, toes = out[:, INDEX[f"{side}_ankle"]], joint(table.toes[side])
        foot = toes - ankle
        length = np.linalg.norm(foot, axis=-1, keepdims=True)
        direction = _unit(foot)
        foot_up = _unit(_UP - (direction @ _UP)[:, None] * direction)
        out[:, INDEX[f"{side}_foot_index"]] = toes + table.foot_index_beyond_toes * foot
        out[:, INDEX[f"{side}_heel"]] = ankle - 0.3 * length * direction - 0.6 * length * foot_up
    # Corrections last: the hands and feet above hang off the rig's own joints.
    mid_hip = 0.5 * (out[:, LEFT_HIP] + out[:, RIGHT_HIP])
    mid_shoulder = 0.5 * (out[:, LEFT_SHOULDER] + out[:, RIGHT_SHOULDER])
    out[:, UPPER_BODY] += (table.torso_length_scale - 1.0) * (mid_shoulder - mid_hip)[:, None]
    _widen(out, LEFT_SHOULDER, RIGHT_SHOULDER, table.shoulder_width_scale)
    _widen(out, LEFT_HIP, RIGHT_HIP, table.hip_width_scale)
    return out
