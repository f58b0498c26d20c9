"""Model-ready windows from motion capture, through exactly the serving path.

Each clip is filmed by random virtual cameras (mocap.projection), played at a jittered speed,
cut into windows ending every `stride_s` seconds, and each window goes through the same
`resample_window` and `normalize_window` that the node applies to live MediaPipe landmarks.
Rare classes get more camera views per clip so every class contributes about equally.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from multiprocessing import Pool
from typing import Optional, Sequence

import numpy as np

from ..landmarks import LEFT_HIP, RIGHT_HIP
from ..mocap.corpus import Clip, clip_landmarks, valence_arousal
from ..mocap.projection import observe, random_camera
from ..windows import WindowConfig, sliding_windows


@dataclass(frozen=True)
class WindowSet:
    features: np.ndarray  # [N, T, 33, 4] float32
    labels: np.ndarray  # [N] class index
    valence_arousal: np.ndarray  # [N, 2]
    clip_index: np.ndarray  # [N] index into `clips`
    clips: tuple[Clip, ...]
    classes: tuple[str, ...]

    def subset(self, mask: np.ndarray) -> "WindowSet":
        return WindowSet(self.features[mask], self.labels[mask], self.valence_arousal[mask],
                         self.clip_index[mask], self.clips, self.classes)

    def __len__(self) -> int:
        return len(self.labels)


def clip_seed(clip: Clip, seed: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{clip.name}/{seed}".encode()).digest()[:8], "little")


def windows_of_clip(landmarks_3d: np.ndarray, fps: float, rng: np.random.Generator, views: int,
                    window: WindowConfig, stride_s: float = 0.5,
                    speed_range: tuple[float, float] = (0.85, 1.15)) -> np.ndarray:
    """[N, T, 33, 4] normalized windows from `views` random cameras."""
    hips = 0.5 * (landmarks_3d[:, LEFT_HIP] + landmarks_3d[:, RIGHT_HIP])
    target = hips.mean(axis=0)
    out = []
    for _ in range(views):
        raw = observe(landmarks_3d, random_camera(rng, target), rng)
        stamps = np.arange(len(raw)) / (fps * rng.uniform(*speed_range))
        out.append(sliding_windows(stamps, raw, window, stride_s))
    return np.concatenate(out) if out else np.zeros((0, window.length, 33, 4), np.float32)


def _job(args):
    clip, views, window, seed = args
    landmarks, fps = clip_landmarks(clip)
    return windows_of_clip(landmarks, fps, np.random.default_rng(clip_seed(clip, seed)), views, window)


def balanced_views(clips: Sequence[Clip], base_views: int, max_views: int) -> list[int]:
    """Views per clip, inversely proportional to the clip count of its class."""
    counts: dict[str, int] = {}
    for clip in clips:
        counts[clip.label] = counts.get(clip.label, 0) + 1
    largest = max(counts.values())
    return [int(min(max_views, max(base_views, round(base_views * largest / counts[c.label])))) for c in clips]


def build_windows(clips: Sequence[Clip], classes: Sequence[str], window: WindowConfig, seed: int,
                  base_views: int = 1, max_views: int = 24, workers: int = 2,
                  views: Optional[list[int]] = None) -> WindowSet:
    views = views or balanced_views(clips, base_views, max_views)
    jobs = [(clip, v, window, seed) for clip, v in zip(clips, views)]
    if workers > 1:
        with Pool(workers) as pool:
            results = pool.map(_job, jobs, chunksize=8)
        # (each clip has its own seeded generator, so the result does not depend on workers)
    else:
        results = [_job(job) for job in jobs]
    class_index = {name: i for i, name in enumerate(classes)}
    features, labels, va, owner = [], [], [], []
    for i, (clip, windows) in enumerate(zip(clips, results)):
        features.append(windows)
        labels.append(np.full(len(windows), class_index[clip.label]))
        va.append(np.tile(valence_arousal(clip.label), (len(windows), 1)))
        owner.append(np.full(len(windows), i))
    return WindowSet(np.concatenate(features).astype(np.float32), np.concatenate(labels),
                     np.concatenate(va).astype(np.float32), np.concatenate(owner), tuple(clips), tuple(classes))


def content_folds(clips: Sequence[Clip], folds: int, rare: Sequence[str]) -> list[set[str]]:
    """Splits the *contents* (motions) into folds: every clip of a content lands in one fold.

    Greedy and deterministic: contents with the most clips of rare classes are spread first, so
    each fold tests the rare classes on some motion.
    """
    per_content: dict[str, list[int]] = {}
    for clip in clips:
        rare_count, total = per_content.get(clip.content, [0, 0])
        per_content[clip.content] = [rare_count + (clip.label in rare), total + 1]
    order = sorted(per_content, key=lambda c: (-per_content[c][0], -per_content[c][1], c))
    assigned: list[set[str]] = [set() for _ in range(folds)]
    load = [[0, 0] for _ in range(folds)]
    for content in order:
        target = min(range(folds), key=lambda f: (load[f][0], load[f][1], f))
        assigned[target].add(content)
        load[target][0] += per_content[content][0]
        load[target][1] += per_content[content][1]
    return assigned
