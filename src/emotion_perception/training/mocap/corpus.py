"""Every motion-capture source as labelled clips of 33 landmarks in 3D.

Sources are configuration (config/mocap_sources/*.yaml, see sources.py): their affective styles
become emotion classes, and styles they do not map (childish, old, strutting, ...) are not
emotions and stay out. Forward kinematics of ~1,800 BVH files takes minutes, so each clip's
landmarks are cached (float32 .npz in the cache directory), keyed by the file's size and mtime and
by the skeleton table that mapped it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from ...core.data_sources import cache_dir
from .bvh import read_bvh
from .skeleton_map import mocap_landmarks
from .sources import MocapSource, load_source

# The classes of the shipped taxonomy, in the model's output order: the union of what the sources
# label. A source need not have all of them (Xia has neutral, sad, angry and proud).
CLASSES = ("neutral", "happy", "sad", "angry", "proud", "insecure", "tired", "energetic")
SOURCES = ("bandai", "xia", "aalto")
# Clips are read at no more than this rate (Xia's 120 fps holds 4x the frames the 15 fps model
# can use; 30 fps keeps every instant of its window within one frame of a sample).
MAX_FPS = 30.0
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


def valence_arousal(label: str) -> tuple[float, float]:
    if label == "neutral":
        return 0.0, 0.0
    angle = np.radians(CIRCUMPLEX_DEGREES[label])
    return float(CIRCUMPLEX_RADIUS * np.cos(angle)), float(CIRCUMPLEX_RADIUS * np.sin(angle))


@dataclass(frozen=True)
class Clip:
    name: str  # file stem, e.g. dataset-1_walk_happy_001
    path: Path
    dataset: str  # the file set within its source (dataset-1, dataset-2, xia)
    content: str  # the motion (walk, bow, wave-left-hand, ...): the unit held out in evaluation
    style: str
    label: str
    source: str = "bandai"  # the studio and actors: the unit held out across sources
    tempo_control: bool = False  # a tempo instruction with no emotion asked for (sources.tempo_styles)


def list_clips(sources: Iterable[str] = SOURCES, file_sets: Optional[set[str]] = None) -> list[Clip]:
    """Every labelled clip of the given sources (optionally only some of their file sets), one per
    recorded take: a take that several files hold as excerpts is counted once, so that it can
    never fall on both sides of a split."""
    clips = []
    for name in sources:
        source = load_source(name)
        takes: set[tuple] = set()
        for files in source.files:
            if file_sets is not None and files.name not in file_sets:
                continue
            for path in sorted(source.folder(files).glob("*.bvh")):
                match = source.parse_labelled(path.stem)
                if match is None:
                    continue
                take = (files.name, match["content"], match["style"], match.groupdict().get("take"))
                if take in takes:
                    continue
                takes.add(take)
                content = source.contents.get(match["content"], match["content"])
                clips.append(Clip(path.stem, path, files.name, content, match["style"], source.labels[match["style"]],
                                  source.name, match["style"] in source.tempo_styles))
    return clips


def _table_digest(source: MocapSource) -> str:
    table = dataclasses.asdict(source.skeleton)
    return hashlib.sha256(json.dumps([table, MAX_FPS], sort_keys=True).encode()).hexdigest()[:10]


def landmarks_key(clip: Clip) -> str:
    """The clip's file (name, size, mtime) and the skeleton table that maps it."""
    stat = clip.path.stat()
    return f"{clip.source}-{clip.name}.{stat.st_size}.{int(stat.st_mtime)}.{_table_digest(load_source(clip.source))}"


def clip_landmarks(clip: Clip, cache: Optional[Path] = None) -> tuple[np.ndarray, float]:
    """([frames, 33, 3] landmarks in cm, fps), from the cache when the BVH file and its source's
    skeleton table are unchanged."""
    cache = cache or cache_dir() / "mocap-landmarks"
    cached = cache / f"{landmarks_key(clip)}.npz"
    if cached.exists():
        with np.load(cached) as data:
            return data["landmarks"], float(data["fps"])
    source = load_source(clip.source)
    motion = read_bvh(clip.path)
    step = max(1, int(round(motion.fps / MAX_FPS)))
    landmarks = mocap_landmarks(motion, source.skeleton)[::step].astype(np.float32)
    fps = motion.fps / step
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, landmarks=landmarks, fps=fps)
    tmp.replace(cached)
    return landmarks, fps
