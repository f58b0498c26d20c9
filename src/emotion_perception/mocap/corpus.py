"""The Bandai Namco motion corpus as labelled clips of 33 landmarks in 3D.

Affective styles become emotion classes; the other styles (childish, old, giant, ...) are not
emotions and stay out. Forward kinematics of ~1,500 BVH files takes minutes, so each clip's
landmarks are cached (float32 .npz in the cache directory), keyed by the file's size and mtime.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from ..checksums import require_sha256
from ..data_sources import cache_dir, data_dir
from .bvh import read_bvh
from .skeleton_map import mocap_landmarks

BANDAI_CLASSES = ("neutral", "happy", "sad", "angry", "proud", "insecure", "tired", "energetic")
STYLE_TO_CLASS = {
    "normal": "neutral", "happy": "happy", "sad": "sad", "angry": "angry", "proud": "proud",
    "not-confident": "insecure", "tired": "tired", "exhausted": "tired", "active": "energetic",
}
# Valence/arousal on Russell's circumplex (Russell, J. A. (1980). A circumplex model of affect.
# Journal of Personality and Social Psychology, 39(6), 1161-1178): the angle of the nearest word
# in his scaling, at radius 0.7. proud and insecure are not among his words: their angles are our
# own placement (marked), neutral is the origin. Derived from labels, never rated per clip.
CIRCUMPLEX_DEGREES = {
    "happy": 7.8,  # Russell: happy
    "sad": 207.5,  # Russell: sad
    "angry": 99.0,  # Russell: angry
    "tired": 267.7,  # Russell: tired
    "energetic": 48.6,  # Russell: excited
    "proud": 30.0,  # ours: between delighted (24.9) and excited (48.6)
    "insecure": 150.0,  # ours: beside distressed (137.6) and frustrated (141.0), less aroused
}
CIRCUMPLEX_RADIUS = 0.7
DATASET2_ARCHIVE_SHA256 = "5dc91fdea324c1501210a391bd8e12cb5cb3552148a4999fdda605865468e5fd"
_NAME = re.compile(r"^(dataset-[12])_(?P<content>.+)_(?P<style>[a-z-]+)_(?P<take>\d+)$")


def valence_arousal(label: str) -> tuple[float, float]:
    if label == "neutral":
        return 0.0, 0.0
    angle = np.radians(CIRCUMPLEX_DEGREES[label])
    return float(CIRCUMPLEX_RADIUS * np.cos(angle)), float(CIRCUMPLEX_RADIUS * np.sin(angle))


@dataclass(frozen=True)
class Clip:
    name: str  # file stem, e.g. dataset-1_walk_happy_001
    path: Path
    dataset: str
    content: str  # the motion (walk, bow, wave-left-hand, ...): the unit held out in evaluation
    style: str
    label: str


def bandai_root() -> Path:
    return data_dir() / "bandai-namco-motion"


def dataset2_dir() -> Path:
    """dataset-2's affective clips, unpacked once into the cache (never into ../shared or git)."""
    target = cache_dir() / "bandai-dataset-2"
    marker = target / ".unpacked"
    if not marker.exists():
        archive = bandai_root() / "dataset-2" / "data.tar.xz"
        require_sha256(archive, DATASET2_ARCHIVE_SHA256, RuntimeError,
                       "the pin is the archive's documented digest: is ../shared/data complete?")
        target.mkdir(parents=True, exist_ok=True)
        patterns = [f"*_{style}_*" for style in ("normal", "exhausted", "active")]
        subprocess.run(["tar", "xJf", str(archive), "-C", str(target), "--wildcards", *patterns], check=True)
        marker.touch()
    return target / "data"


def list_clips(include_dataset2: bool = True) -> list[Clip]:
    folders = [("dataset-1", bandai_root() / "dataset-1" / "data")]
    if include_dataset2:
        folders.append(("dataset-2", dataset2_dir()))
    clips = []
    for dataset, folder in folders:
        for path in sorted(folder.glob("*.bvh")):
            match = _NAME.match(path.stem)
            if match is None or match["style"] not in STYLE_TO_CLASS:
                continue
            clips.append(Clip(path.stem, path, dataset, match["content"], match["style"], STYLE_TO_CLASS[match["style"]]))
    return clips


def clip_landmarks(clip: Clip, cache: Optional[Path] = None) -> tuple[np.ndarray, float]:
    """([frames, 33, 3] landmarks in cm, fps), from the cache when the BVH file is unchanged."""
    cache = cache or cache_dir() / "mocap-landmarks"
    stat = clip.path.stat()
    cached = cache / f"{clip.name}.{stat.st_size}.{int(stat.st_mtime)}.npz"
    if cached.exists():
        with np.load(cached) as data:
            return data["landmarks"], float(data["fps"])
    motion = read_bvh(clip.path)
    landmarks = mocap_landmarks(motion).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, landmarks=landmarks, fps=motion.fps)
    tmp.replace(cached)
    return landmarks, motion.fps


def sidecar_matches(clip: Clip) -> bool:
    """The JSON sidecar agrees with the file name (a check on our parsing of names)."""
    sidecar = json.loads(clip.path.with_suffix(".json").read_text())
    return set(sidecar) == {"content", "style"}


def iter_landmarks(clips: list[Clip]) -> Iterator[tuple[Clip, np.ndarray, float]]:
    for clip in clips:
        landmarks, fps = clip_landmarks(clip)
        yield clip, landmarks, fps
