"""A BVH reader with vectorised forward kinematics (our own; BVH is small enough to own).

Every joint may carry its own channel list (Bandai Namco's files give all 22 joints six channels,
positions included), so translations come from position channels where present and from the
OFFSET otherwise, and each joint's rotation is composed in the order its channels are listed.
End sites become joints named `<parent>_end`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core.errors import BvhFormatError


@dataclass(frozen=True)
class BvhJoint:
    name: str
    parent: int  # -1 for the root
    offset: np.ndarray  # [3]
    channels: tuple[str, ...]  # e.g. ("Xposition", ..., "Zrotation", "Xrotation", "Yrotation")
    first_channel: int  # column of its first channel in the motion table


@dataclass(frozen=True)
class BvhMotion:
    joints: tuple[BvhJoint, ...]
    frame_time: float
    values: np.ndarray  # [frames, channels]

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time

    def index(self, name: str) -> int:
        for i, joint in enumerate(self.joints):
            if joint.name == name:
                return i
        raise KeyError(f"no joint named {name}; joints: {[j.name for j in self.joints]}")

    def forward_kinematics(self) -> tuple[np.ndarray, np.ndarray]:
        """World positions [frames, joints, 3] and rotations [frames, joints, 3, 3]."""
        frames = len(self.values)
        positions = np.zeros((frames, len(self.joints), 3))
        rotations = np.zeros((frames, len(self.joints), 3, 3))
        for j, joint in enumerate(self.joints):
            translation = np.broadcast_to(joint.offset, (frames, 3)).copy()
            local = np.broadcast_to(np.eye(3), (frames, 3, 3)).copy()
            for k, channel in enumerate(joint.channels):
                column = self.values[:, joint.first_channel + k]
                axis = "XYZ".index(channel[0])
                if channel.endswith("position"):
                    translation[:, axis] = column
                else:
                    local = local @ _axis_rotation(axis, np.radians(column))
            if joint.parent < 0:
                positions[:, j] = translation
                rotations[:, j] = local
            else:
                parent_rotation = rotations[:, joint.parent]
                positions[:, j] = positions[:, joint.parent] + np.einsum("fij,fj->fi", parent_rotation, translation)
                rotations[:, j] = parent_rotation @ local
        return positions, rotations


def _axis_rotation(axis: int, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    r = np.zeros(angle.shape + (3, 3))
    a, b = [(1, 2), (2, 0), (0, 1)][axis]
    r[..., axis, axis] = 1.0
    r[..., a, a], r[..., a, b], r[..., b, a], r[..., b, b] = c, -s, s, c
    return r


def read_bvh(path: Path) -> BvhMotion:
    tokens = Path(path).read_text().split()
    position = 0

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise BvhFormatError(f"{path}: unexpected end of file")
        position += 1
        return tokens[position - 1]

    if take() != "HIERARCHY":
        raise BvhFormatError(f"{path}: does not start with HIERARCHY")
    joints: list[BvhJoint] = []
    stack: list[int] = []
    channel_count = 0
    while True:
        word = take()
        if word in ("ROOT", "JOINT"):
            name = take()
            if take() != "{":
                raise BvhFormatError(f"{path}: expected '{{' after {name}")
            if take() != "OFFSET":
                raise BvhFormatError(f"{path}: expected OFFSET in {name}")
            offset = np.array([float(take()) for _ in range(3)])
            if take() != "CHANNELS":
                raise BvhFormatError(f"{path}: expected CHANNELS in {name}")
            channels = tuple(take() for _ in range(int(take())))
            joints.append(BvhJoint(name, stack[-1] if stack else -1, offset, channels, channel_count))
            channel_count += len(channels)
            stack.append(len(joints) - 1)
        elif word == "End":
            take()  # "Site"
            take()  # "{"
            take()  # "OFFSET"
            offset = np.array([float(take()) for _ in range(3)])
            take()  # "}"
            parent = stack[-1]
            joints.append(BvhJoint(joints[parent].name + "_end", parent, offset, (), channel_count))
        elif word == "}":
            stack.pop()
        elif word == "MOTION":
            break
        else:
            raise BvhFormatError(f"{path}: unexpected token {word!r} in HIERARCHY")
    take()  # "Frames:"
    frame_count = int(take())
    take()  # "Frame"
    take()  # "Time:"
    frame_time = float(take())
    values = np.array(tokens[position:], dtype=np.float64)
    if values.size != frame_count * channel_count:
        raise BvhFormatError(f"{path}: {values.size} motion values, expected {frame_count} x {channel_count}")
    return BvhMotion(tuple(joints), frame_time, values.reshape(frame_count, channel_count))
