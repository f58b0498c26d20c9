"""Model-ready windows from motion capture, through exactly the serving path.

Each clip is filmed by random virtual cameras (mocap.projection), optionally with its body's
proportions and the carriage of its head and trunk changed (mocap.body), played at a jittered speed,
cut into windows ending every `stride_s` seconds, and each window goes through the same
`resample_window` and `normalize_window` that the node applies to live MediaPipe landmarks.
Rare classes get more camera views per clip so every class contributes about equally.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from multiprocessing import Pool
from typing import Optional, Sequence

import numpy as np

from ..core.data_sources import PACKAGE_ROOT, cache_dir
from ..core.landmarks import LEFT_HIP, RIGHT_HIP
from ..core.windows import WindowConfig, sliding_windows
from .mocap.body import carried, random_body_scales, scale_body
from .mocap.corpus import Clip, clip_landmarks, landmarks_key, valence_arousal
from .mocap.projection import observe, random_camera


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


@dataclass(frozen=True)
class Simulation:
    """How each training view of a clip differs from the recording: the nuisances a new person and
    a new camera bring, which the model must learn to ignore."""

    speed_range: tuple[float, float] = (0.85, 1.15)  # playback speed (tempo differs between people)
    body_scale: float = 0.0  # each bone and width scaled by U(1 - b, 1 + b) per view
    # the head pitched down by U(-h, h) degrees and the upper body leaned forward by U(-l, l) per
    # view: how far a rig or a person carries them at rest is not emotion
    head_pitch_deg: float = 0.0
    trunk_lean_deg: float = 0.0
    stride_s: float = 0.5
    clean_visibility: bool = False  # every landmark's visibility 1 (an invariance check, not training)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def windows_of_clip(landmarks_3d: np.ndarray, fps: float, rng: np.random.Generator, views: int,
                    window: WindowConfig, simulation: Simulation = Simulation(),
                    yaws: Optional[Sequence[float]] = None) -> np.ndarray:
    """[N, T, 33, 4] normalized windows from `views` random cameras (or one per given yaw)."""
    hips = 0.5 * (landmarks_3d[:, LEFT_HIP] + landmarks_3d[:, RIGHT_HIP])
    target = hips.mean(axis=0)
    out = []
    for view in range(views if yaws is None else len(yaws)):
        body = landmarks_3d
        if simulation.body_scale > 0:
            body = scale_body(landmarks_3d, random_body_scales(rng, simulation.body_scale))
        if simulation.head_pitch_deg or simulation.trunk_lean_deg:
            body = carried(body, head_down_deg=rng.uniform(-1, 1) * simulation.head_pitch_deg,
                           lean_forward_deg=rng.uniform(-1, 1) * simulation.trunk_lean_deg)
        camera = random_camera(rng, target, None if yaws is None else yaws[view])
        raw = observe(body, camera, rng)
        if simulation.clean_visibility:
            raw[..., 3] = 1.0
        stamps = np.arange(len(raw)) / (fps * rng.uniform(*simulation.speed_range))
        out.append(sliding_windows(stamps, raw, window, simulation.stride_s))
    return np.concatenate(out) if out else np.zeros((0, window.length, 33, 4), np.float32)


def clip_yaw(clip: Clip, seed: int) -> float:
    """A fixed yaw per clip (radians), from which evaluation views are turned in steps."""
    return (clip_seed(clip, seed + 7919) % 3600) / 3600 * 2 * np.pi


def _job(args):
    clip, views, window, seed, simulation, view_yaw = args
    landmarks, fps = clip_landmarks(clip)
    yaws = None if view_yaw is None else [clip_yaw(clip, seed) + view_yaw]
    return windows_of_clip(landmarks, fps, np.random.default_rng(clip_seed(clip, seed)), views, window, simulation,
                           yaws)


def balanced_views(clips: Sequence[Clip], views_per_group: int, max_views: int) -> list[int]:
    """Views per clip: about `views_per_group` camera views for each class of each source (at
    least one per clip, at most `max_views`), so that neither a common class nor a source with
    many clips drowns the others, and a source with few clips still gives enough windows."""
    counts: dict[tuple[str, str], int] = {}
    for clip in clips:
        counts[clip.source, clip.label] = counts.get((clip.source, clip.label), 0) + 1
    return [int(min(max_views, max(1, round(views_per_group / counts[c.source, c.label])))) for c in clips]


# The code and measurements that turn a clip into windows: a change to any of them changes the
# windows, so their bytes are part of the window cache's key.
_SIMULATION_FILES = ("training/mocap_windows.py", "training/mocap/projection.py", "training/mocap/body.py",
                     "training/mocap/mediapipe_profile.json", "core/windows.py", "core/normalize.py")


@functools.lru_cache(maxsize=1)
def simulation_digest() -> str:
    digest = hashlib.sha256()
    for name in _SIMULATION_FILES:
        digest.update((PACKAGE_ROOT / name).read_bytes())
    return digest.hexdigest()


def _windows_key(clips: Sequence[Clip], classes: Sequence[str], window: WindowConfig, seed: int, views: list[int],
                 simulation: Simulation, view_yaw: Optional[float]) -> str:
    """What a window set is made of: each clip's file and skeleton table (as its landmark cache
    keys it), the classes, window, seed, views, simulation settings and the simulation's code."""
    parts = [landmarks_key(clip) for clip in clips]
    payload = json.dumps([parts, list(classes), dataclasses.asdict(window), seed, views, simulation.to_dict(),
                          view_yaw, simulation_digest()], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def build_windows(clips: Sequence[Clip], classes: Sequence[str], window: WindowConfig, seed: int,
                  views_per_group: int = 600, max_views: int = 24, workers: Optional[int] = None,
                  views: Optional[list[int]] = None, simulation: Simulation = Simulation(),
                  view_yaw: Optional[float] = None, cache: bool = True) -> WindowSet:
    """Windows of every clip; `view_yaw` (radians): one camera per clip at that yaw from the clip's
    own fixed yaw (clip_yaw) instead of random cameras, so views of a clip can be compared.
    Projection is the slow part of every experiment, so each set is kept on disk (the cache
    directory's windows/), keyed by everything that makes it: a second run of the same protocol
    projects nothing."""
    views = views or balanced_views(clips, views_per_group, max_views)
    path = cache_dir() / "windows" / f"{_windows_key(clips, classes, window, seed, views, simulation, view_yaw)}.npz"
    if cache and path.exists():
        with np.load(path) as data:
            return WindowSet(data["features"], data["labels"], data["valence_arousal"], data["clip_index"],
                             tuple(clips), tuple(classes))
    windows = _project(clips, classes, window, seed, views, workers, simulation, view_yaw)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(partial, features=windows.features, labels=windows.labels,
                 valence_arousal=windows.valence_arousal, clip_index=windows.clip_index)
        partial.replace(path)
    return windows


def _project(clips: Sequence[Clip], classes: Sequence[str], window: WindowConfig, seed: int, views: list[int],
             workers: Optional[int], simulation: Simulation, view_yaw: Optional[float]) -> WindowSet:
    jobs = [(clip, v, window, seed, simulation, view_yaw) for clip, v in zip(clips, views)]
    workers = workers or os.cpu_count() or 1  # by default one process per core of this machine
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
