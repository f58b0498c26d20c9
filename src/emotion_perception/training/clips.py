"""Labelled landmark clips: the format for retraining on your own data.

A clip is one `.npz` file (docs/CLIP_FORMAT.md):
- `landmarks` float32 [T, 33, 4]: x, y in pixels, z, visibility, exactly as PoseEstimator
  reports them (missing joints: visibility 0, coordinates may be NaN);
- `stamps` float64 [T], seconds, strictly increasing (so variable frame rates are kept);
- `fps` (nominal rate), `label` (class name), `subject` (for subject-wise splits, may be "");
- optional `valence`, `arousal` in [-1, 1].
Training turns clips into windows with the node's own resample_window and normalize_window.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..core.windows import WindowConfig, sliding_windows


@dataclass(frozen=True)
class LandmarkClip:
    landmarks: np.ndarray
    stamps: np.ndarray
    fps: float
    label: str
    subject: str = ""
    valence: Optional[float] = None
    arousal: Optional[float] = None

    def save(self, path: Path) -> None:
        extra = {} if self.valence is None else {"valence": self.valence, "arousal": self.arousal}
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, landmarks=self.landmarks.astype(np.float32), stamps=self.stamps.astype(np.float64),
                            fps=self.fps, label=self.label, subject=self.subject, **extra)

    @classmethod
    def load(cls, path: Path) -> "LandmarkClip":
        with np.load(path, allow_pickle=False) as data:
            landmarks = data["landmarks"]
            stamps = data["stamps"]
            if landmarks.ndim != 3 or landmarks.shape[1:] != (33, 4) or len(stamps) != len(landmarks):
                raise ValueError(f"{path}: landmarks must be [T, 33, 4] with one stamp per frame, got "
                                 f"{landmarks.shape} and {stamps.shape}")
            if len(stamps) > 1 and np.any(np.diff(stamps) <= 0):
                raise ValueError(f"{path}: stamps must strictly increase")
            valence = float(data["valence"]) if "valence" in data else None
            arousal = float(data["arousal"]) if "arousal" in data else None
            return cls(
                landmarks, stamps, float(data["fps"]), str(data["label"]), str(data["subject"]), valence, arousal
            )


def clip_windows(clip: LandmarkClip, window: WindowConfig, stride_s: float = 0.25) -> np.ndarray:
    """[N, T, 33, 4] normalized windows ending every `stride_s` seconds along the clip."""
    return sliding_windows(clip.stamps, clip.landmarks, window, stride_s)


def load_taxonomy(path: Path) -> tuple[str, tuple[str, ...], dict[str, tuple[float, float]]]:
    """(name, classes, default valence/arousal per class) from a taxonomy YAML file."""
    import yaml

    data = yaml.safe_load(Path(path).read_text())
    classes = tuple(str(c) for c in data["classes"])
    affect = {str(k): (float(v[0]), float(v[1])) for k, v in (data.get("valence_arousal") or {}).items()}
    unknown = set(affect) - set(classes)
    if unknown or len(set(classes)) != len(classes) or len(classes) < 2:
        raise ValueError(f"{path}: classes must be two or more distinct names; unknown affect keys {sorted(unknown)}")
    return str(data.get("name", Path(path).stem)), classes, affect


def clips_to_arrays(
    clips: Sequence[LandmarkClip],
    classes: Sequence[str],
    window: WindowConfig,
    affect_defaults: dict[str, tuple[float, float]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, valence_arousal, has_affect) for training; unknown labels are an error."""
    index = {name: i for i, name in enumerate(classes)}
    features, labels, affect, has_affect = [], [], [], []
    for clip in clips:
        if clip.label not in index:
            raise ValueError(f"clip label '{clip.label}' is not in the taxonomy {list(classes)}")
        windows = clip_windows(clip, window)
        if clip.valence is not None:
            va, known = (clip.valence, clip.arousal), True
        else:
            va, known = affect_defaults.get(clip.label, (0.0, 0.0)), clip.label in affect_defaults
        features.append(windows)
        labels.append(np.full(len(windows), index[clip.label]))
        affect.append(np.tile(va, (len(windows), 1)))
        has_affect.append(np.full(len(windows), known))
    return (
        np.concatenate(features).astype(np.float32),
        np.concatenate(labels),
        np.concatenate(affect).astype(np.float32),
        np.concatenate(has_affect),
    )
