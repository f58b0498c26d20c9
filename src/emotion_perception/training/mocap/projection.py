"""Virtual cameras: 3D mocap landmarks -> what MediaPipe would report from a camera.

A static camera per view looks at the clip's mean hip point from a random yaw (all round),
pitch, distance and focal length, onto one of the image sizes robots use. Pixel jitter and
visibility are drawn from what MediaPipe measurably reports on real footage (mediapipe_profile),
which is what the node will feed the model.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...core.landmarks import TORSO
from .mediapipe_profile import categories, load_profile, sample_visibility, torso_length

IMAGE_SIZES = ((640, 480), (1280, 720), (720, 1280), (576, 576))


@dataclass(frozen=True)
class Camera:
    position: np.ndarray  # [3] world, cm
    rotation: np.ndarray  # [3, 3] world -> camera (rows: right, down, forward)
    focal: float  # px
    width: int
    height: int

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points [..., 3] -> pixels [..., 2] (x right, y down) and depth [...] in cm."""
        camera = (points - self.position) @ self.rotation.T
        depth = camera[..., 2]
        safe = np.maximum(depth, 1.0)
        pixels = np.stack([self.focal * camera[..., 0] / safe + self.width / 2,
                           self.focal * camera[..., 1] / safe + self.height / 2], axis=-1)
        return pixels, depth


def look_at(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    forward = target - position
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return np.stack([right, down, forward])


def random_camera(rng: np.random.Generator, target: np.ndarray, yaw: Optional[float] = None) -> Camera:
    """A camera from a random yaw (all round, or the given one, radians), pitch, distance, lens."""
    yaw = rng.uniform(0, 2 * np.pi) if yaw is None else yaw
    pitch = np.radians(rng.uniform(-5, 30))  # robots look level or down
    distance = rng.uniform(250, 800)
    width, height = IMAGE_SIZES[rng.integers(len(IMAGE_SIZES))]
    focal = rng.uniform(0.6, 1.3) * max(width, height)
    offset = distance * np.array([np.cos(pitch) * np.sin(yaw), np.sin(pitch), np.cos(pitch) * np.cos(yaw)])
    position = target + offset
    return Camera(position, look_at(position, target), focal, width, height)


def observe(landmarks_3d: np.ndarray, camera: Camera, rng: np.random.Generator,
            profile: Optional[dict] = None) -> np.ndarray:
    """[frames, 33, 3] world landmarks -> [frames, 33, 4] raw landmarks (x px, y px, z, visibility).

    Jitter and visibility follow what MediaPipe reports on real footage (`mediapipe_profile`):
    white pixel noise of the measured size in torso lengths, plus a slow bounded drift, and each
    landmark's visibility drawn from MediaPipe's distribution for its body group and category
    (in view, behind the torso's plane, outside the image).
    """
    profile = profile or load_profile()
    pixels, depth = camera.project(landmarks_3d)
    frames = len(pixels)
    torso_px = np.median(torso_length(pixels))
    scale = torso_px * profile["jitter_torso_lengths"]
    drift = np.cumsum(rng.normal(0, scale * 0.3, size=pixels.shape), axis=0)
    drift -= np.linspace(0, 1, frames)[:, None, None] * drift[-1:]  # a bridge: bounded slow wander
    pixels = pixels + rng.normal(0, scale, size=pixels.shape) + drift
    torso_depth = depth[:, list(TORSO)].mean(axis=1, keepdims=True)
    torso_cm = np.median(torso_length(landmarks_3d))
    behind = (depth - torso_depth) / max(torso_cm, 1e-6)
    category = categories(pixels, behind, camera.width, camera.height)
    visibility = sample_visibility(profile, category, rng)
    relative_depth = (depth - torso_depth) * camera.focal / np.maximum(torso_depth, 1.0)
    return np.concatenate([pixels, relative_depth[..., None], visibility[..., None]], axis=-1).astype(np.float32)
