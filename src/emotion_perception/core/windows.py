"""Per-track ring buffers of raw landmarks that emit model-ready windows.

Each track keeps just enough history to cover one model window in *time* (window_length / fps
seconds plus one step), whatever the camera rate. A window is emitted `rate_hz` times per second
of source time (stamps), so a rate means the same at 15 and at 60 fps and a bag replayed at any
speed is judged at the same instants; at or above the camera's rate, every frame. A window is
emitted only when at least `min_valid_frames` of its resampled frames have a visible torso, so
the model never judges a person from a handful of glimpses.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, Iterable, Optional, Tuple

import numpy as np

from .normalize import DEFAULT_VISIBILITY_THRESHOLD, STAMP_TOLERANCE_S, normalize_window, resample_window


@dataclass(frozen=True)
class WindowConfig:
    length: int = 30
    fps: float = 15.0
    min_valid_frames: int = 15
    visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD

    def __post_init__(self) -> None:
        if self.length < 2 or self.fps <= 0:
            raise ValueError(f"invalid window config {self}")
        if not 1 <= self.min_valid_frames <= self.length:
            raise ValueError(f"min_valid_frames must be within 1..{self.length}, got {self.min_valid_frames}")

    @property
    def span_s(self) -> float:
        return (self.length - 1) / self.fps


@dataclass(frozen=True)
class ReadyWindow:
    track_id: int
    features: np.ndarray  # [length, 33, 4], see normalize.FEATURE_CHANNELS
    valid_frames: int


# Stamps this close before a due instant count as on it (a 30 fps camera's sixth frame after a
# judgement is due 0.2 s later, give or take a float rounding).
_DUE_TOLERANCE_S = 1e-3


class _TrackHistory:
    def __init__(self) -> None:
        self.frames: Deque[Tuple[float, np.ndarray]] = deque()
        self.judged_at: Optional[float] = None  # the grid instant of the newest emitted window
        self.valid_frames = 0  # of the last window evaluated


class WindowBuffers:
    def __init__(self, config: WindowConfig = WindowConfig(), rate_hz: float = float("inf")) -> None:
        self.config = config
        self.rate_hz = rate_hz  # windows per second of source time, per track
        self._tracks: Dict[int, _TrackHistory] = {}

    @property
    def rate_hz(self) -> float:
        return self._rate_hz

    @rate_hz.setter
    def rate_hz(self, value: float) -> None:
        if not value > 0:
            raise ValueError(f"the emotion rate must be above 0 Hz, got {value}")
        self._rate_hz = float(value)

    def push(self, track_id: int, stamp: float, raw_landmarks: np.ndarray) -> None:
        history = self._tracks.setdefault(track_id, _TrackHistory())
        if history.frames and stamp <= history.frames[-1][0]:
            return  # a repeated stamp adds no information; going back is handled by reset()
        history.frames.append((stamp, np.asarray(raw_landmarks, dtype=np.float32)))
        keep_after = stamp - self.config.span_s - 1.0 / self.config.fps
        while len(history.frames) > 2 and history.frames[1][0] <= keep_after:
            history.frames.popleft()

    def pop_ready(self, track_ids: Iterable[int]) -> list[ReadyWindow]:
        """Windows due for the given tracks (those seen in the current frame): every person due at
        this instant, so that the model judges them in one batch."""
        ready = []
        period = 1.0 / self._rate_hz
        for track_id in track_ids:
            history = self._tracks.get(track_id)
            if history is None or not history.frames:
                continue
            stamp = history.frames[-1][0]
            if history.judged_at is not None and stamp < history.judged_at + period - _DUE_TOLERANCE_S:
                continue
            window = self.window_of(track_id)
            if window is None:
                continue
            history.valid_frames = window.valid_frames
            if window.valid_frames >= self.config.min_valid_frames:
                # the due instants stay on a grid from the first judgement, so camera jitter does not
                # stretch the cadence; the grid is in the current period, so a new rate acts at once
                if history.judged_at is None or period == 0.0:
                    history.judged_at = stamp
                else:
                    steps = np.floor((stamp - history.judged_at + _DUE_TOLERANCE_S) / period)
                    history.judged_at += steps * period
                ready.append(window)
        return ready

    def window_of(self, track_id: int) -> ReadyWindow | None:
        history = self._tracks.get(track_id)
        if not history or not history.frames:
            return None
        stamps = np.array([stamp for stamp, _ in history.frames])
        raw = np.stack([landmarks for _, landmarks in history.frames])
        resampled = resample_window(
            stamps, raw, self.config.fps, self.config.length,
            visibility_threshold=self.config.visibility_threshold,
        )
        features, valid = normalize_window(resampled, self.config.visibility_threshold)
        return ReadyWindow(track_id, features, int(valid.sum()))

    def valid_frames(self, track_id: int) -> int:
        """Valid frames in the track's most recently evaluated window (0 before the first)."""
        history = self._tracks.get(track_id)
        return history.valid_frames if history else 0

    def drop(self, track_ids: Iterable[int]) -> None:
        for track_id in track_ids:
            self._tracks.pop(track_id, None)

    def reset(self) -> None:
        self._tracks.clear()

    def __len__(self) -> int:
        return len(self._tracks)


def sliding_windows(stamps: np.ndarray, raw: np.ndarray, config: WindowConfig, stride_s: float,
                    keep_all: bool = False,
                    ends: Optional[np.ndarray] = None) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Every window of a recorded sequence, ending each `stride_s` seconds, that a live stream
    would have emitted: [N, length, 33, 4] features (training data from recordings).

    The first window ends where a live track first has `min_valid_frames` instants, so the
    partly filled warm-up windows the node judges right after a person appears are in the
    training data too. Each window gets the frames from the last one at or before its first
    instant onwards, which is all that resample_window can use. `keep_all` returns every window
    with a mask of those the node would emit, so two versions of one recording stay aligned;
    `ends` (stamps) replaces the stride, so that replays at two speeds end at the same instants.
    """
    stamps = np.asarray(stamps, dtype=np.float64)
    out, emitted = [], []
    if ends is None:
        first_end = min(stamps[0] + (config.min_valid_frames - 1) / config.fps, stamps[-1])
        ends = np.arange(first_end, stamps[-1] + 1e-9, stride_s)
    for end in ends:
        first = max(0, int(np.searchsorted(stamps, end - config.span_s + STAMP_TOLERANCE_S, side="right")) - 1)
        last = int(np.searchsorted(stamps, end + 1e-9, side="right"))
        resampled = resample_window(stamps[first:last], raw[first:last], config.fps, config.length, end_stamp=end,
                                    visibility_threshold=config.visibility_threshold)
        features, valid = normalize_window(resampled, config.visibility_threshold)
        emitted.append(valid.sum() >= config.min_valid_frames)
        if emitted[-1] or keep_all:
            out.append(features)
    windows = np.stack(out) if out else np.zeros((0, config.length, raw.shape[1], 4), np.float32)
    return (windows, np.array(emitted, dtype=bool)) if keep_all else windows
