"""Virtual cameras: 3D mocap landmarks -> what MediaPipe would report from a camera.

A static camera per view looks at the clip's mean hip point from a random yaw (all round),
pitch, distance and focal length, onto one of the image sizes robots use. Pixel jitter (white
plus slow drift, in proportion to the person's size in the image), visibility that drops for
joints hidden behind the body or outside the frame, and random dropouts imitate MediaPipe's
output, which is what the node will feed the model.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..landmarks import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER

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


def random_camera(rng: np.random.Generator, target: np.ndarray) -> Camera:
    yaw = rng.uniform(0, 2 * np.pi)
    pitch = np.radians(rng.uniform(-5, 30))  # robots look level or down
    distance = rng.uniform(250, 800)
    width, height = IMAGE_SIZES[rng.integers(len(IMAGE_SIZES))]
    focal = rng.uniform(0.6, 1.3) * max(width, height)
    offset = distance * np.array([np.cos(pitch) * np.sin(yaw), np.sin(pitch), np.cos(pitch) * np.cos(yaw)])
    position = target + offset
    return Camera(position, look_at(position, target), focal, width, height)


def observe(landmarks_3d: np.ndarray, camera: Camera, rng: np.random.Generator,
            jitter: float = 0.02, dropout: float = 0.03) -> np.ndarray:
    """[frames, 33, 3] world landmarks -> [frames, 33, 4] raw landmarks (x px, y px, z, visibility)."""
    pixels, depth = camera.project(landmarks_3d)
    frames = len(pixels)
    torso = [LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP]
    torso_px = np.linalg.norm(
        0.5 * (pixels[:, LEFT_SHOULDER] + pixels[:, RIGHT_SHOULDER]) - 0.5 * (pixels[:, LEFT_HIP] + pixels[:, RIGHT_HIP]),
        axis=-1,
    )
    scale = np.median(torso_px) * jitter
    drift = np.cumsum(rng.normal(0, scale * 0.3, size=pixels.shape), axis=0)
    drift -= np.linspace(0, 1, frames)[:, None, None] * drift[-1:]  # a bridge: bounded slow wander
    pixels = pixels + rng.normal(0, scale, size=pixels.shape) + drift
    torso_depth = depth[:, torso].mean(axis=1, keepdims=True)
    visibility = rng.uniform(0.85, 1.0, size=depth.shape)
    hidden = depth > torso_depth + 8.0  # behind the body's plane
    visibility = np.where(hidden & (rng.random(depth.shape) < 0.5), rng.uniform(0.2, 0.8, depth.shape), visibility)
    outside = (pixels[..., 0] < 0) | (pixels[..., 0] >= camera.width) | (pixels[..., 1] < 0) | (pixels[..., 1] >= camera.height)
    visibility = np.where(outside, rng.uniform(0.0, 0.3, depth.shape), visibility)
    visibility = np.where(rng.random(depth.shape) < dropout, rng.uniform(0.0, 0.4, depth.shape), visibility)
    relative_depth = (depth - torso_depth) * camera.focal / np.maximum(torso_depth, 1.0)
    return np.concatenate([pixels, relative_depth[..., None], visibility[..., None]], axis=-1).astype(np.float32)
