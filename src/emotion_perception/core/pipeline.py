"""The ROS-free core every door drives: pose -> tracking -> windows -> model -> smoothing.

The node, the video CLI, the bag tools and the benchmark all call `Pipeline.process`; none of
them re-implements a stage. A stamp that goes back (looped bag, restarted driver) resets all
temporal state once, with a warning, and processing carries on from the new time base.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from .inference import EmotionEngine
from .pose import PersonPose, PoseConfig, PoseEstimator
from .smoothing import DEFAULT_ALPHA, DEFAULT_MIN_CONFIDENCE, EmaSmoother, top_label
from .tracking import Tracker, TrackerConfig
from .windows import WindowBuffers, WindowConfig

LOG = logging.getLogger(__name__)
STAGES = ("pose", "tracking", "normalize", "model", "smoothing")  # FrameResult.timings' keys, in order
# How often each person is judged by default: what it costs and how closely the published labels
# follow judging every frame are measured per rate in the README ("Emotion rate").
DEFAULT_EMOTION_RATE_HZ = 5.0


@dataclass(frozen=True)
class RuntimeSettings:
    """What may change while frames flow (the node's run-time parameters): how often a person is
    judged, how the judgements are smoothed, and when a label is too unsure to name."""

    # judgements per person per second of source time (poses, tracks and messages stay per frame):
    # a window spans seconds and a label changes on that scale, so judging every frame buys little
    emotion_rate_hz: float = DEFAULT_EMOTION_RATE_HZ
    smoothing_alpha: float = DEFAULT_ALPHA
    min_confidence: float = DEFAULT_MIN_CONFIDENCE  # below it the label is "unknown" (probabilities kept)


@dataclass(frozen=True)
class PipelineConfig:
    pose: PoseConfig = PoseConfig()
    tracker: TrackerConfig = TrackerConfig()
    windows: Optional[WindowConfig] = None  # None: the model's window length and fps
    runtime: RuntimeSettings = RuntimeSettings()
    min_valid_fraction: float = 0.5


@dataclass
class PersonResult:
    track_id: int
    landmarks: np.ndarray  # [33, 4] x px, y px, z, visibility
    box: np.ndarray  # [x0, y0, x1, y1] px
    valid_frames: int = 0
    probabilities: Optional[np.ndarray] = None  # None until the track's first full window
    valence: float = 0.0
    arousal: float = 0.0
    label: str = ""
    confidence: float = 0.0
    emotion_age_s: float = 0.0  # source-time seconds since the model last judged this person

    @property
    def has_emotion(self) -> bool:
        return self.probabilities is not None


@dataclass
class FrameResult:
    stamp: float
    people: list[PersonResult]
    labels: tuple[str, ...]
    model_id: str
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    clock_reset: bool = False
    windows_predicted: int = 0  # windows the model judged in this frame (its batch size)
    # the stamp equals the previous frame's: the frame adds no instant to any window, so a stream
    # of such frames is tracked but never judged (a driver that does not stamp its images)
    stamp_repeated: bool = False
    ended: list[int] = field(default_factory=list)  # ids whose tracks ended here (all of them on a clock reset)


class Pipeline:
    def __init__(self, config: PipelineConfig = PipelineConfig(), engine: Optional[EmotionEngine] = None,
                 pose: Optional[PoseEstimator] = None) -> None:
        self.config = config
        self.engine = engine
        self.pose = pose or PoseEstimator(config.pose)
        self.tracker = Tracker(config.tracker)
        self.windows = WindowBuffers(config.windows or self._window_config_for(engine))
        self.smoother = EmaSmoother(config.runtime.smoothing_alpha)
        self.settings = config.runtime
        self._pending: Optional[RuntimeSettings] = None
        self._pending_lock = threading.Lock()
        self._use(config.runtime)
        self._last_stamp: Optional[float] = None
        self.clock_resets = 0

    def apply(self, settings: RuntimeSettings) -> None:
        """New run-time settings, taken at the start of the next frame: another thread (the node's
        parameter callback) may call this while a frame is being processed."""
        with self._pending_lock:
            self._pending = settings

    def _take_pending(self) -> None:
        with self._pending_lock:
            settings, self._pending = self._pending, None
        if settings is not None:
            self._use(settings)

    def _use(self, settings: RuntimeSettings) -> None:
        self.settings = settings
        self.windows.rate_hz = settings.emotion_rate_hz
        self.smoother.alpha = settings.smoothing_alpha

    def _window_config_for(self, engine: Optional[EmotionEngine]) -> WindowConfig:
        if engine is None:
            return WindowConfig()
        length = engine.metadata.window_length
        return WindowConfig(
            length=length,
            fps=engine.metadata.fps,
            min_valid_frames=max(1, int(round(self.config.min_valid_fraction * length))),
        )

    @property
    def window_length(self) -> int:
        """Frames in a full model window (what a message's window_length says)."""
        return self.windows.config.length

    @property
    def labels(self) -> tuple[str, ...]:
        return self.engine.labels if self.engine else ()

    @property
    def model_id(self) -> str:
        return self.engine.metadata.model_id if self.engine else ""

    def process(self, rgb: np.ndarray, stamp: float) -> FrameResult:
        """Runs every stage on one RGB frame taken at `stamp` seconds."""
        self._take_pending()
        stamp_repeated = stamp == self._last_stamp
        clock_reset = self._handle_clock(stamp)
        t0 = time.perf_counter()
        people = self.pose.process(rgb, stamp)
        t1 = time.perf_counter()
        results = self._track(people, stamp)
        t2 = time.perf_counter()
        ready = self.windows.pop_ready(r.track_id for r in results)
        t3 = time.perf_counter()
        predictions = []
        if self.engine is not None and ready:
            predictions = self.engine.predict(np.stack([w.features for w in ready]))
        t4 = time.perf_counter()
        for window, prediction in zip(ready, predictions):
            self.smoother.update(window.track_id, prediction, stamp)
        for result in results:
            result.valid_frames = self.windows.valid_frames(result.track_id)
            smoothed = self.smoother.latest(result.track_id)
            if smoothed is not None:
                result.probabilities = smoothed.probabilities
                result.valence, result.arousal = smoothed.valence, smoothed.arousal
                result.emotion_age_s = stamp - self.smoother.judged_at(result.track_id)
                result.label, result.confidence = top_label(smoothed.probabilities, self.labels,
                                                                   self.settings.min_confidence)
        t5 = time.perf_counter()
        timings = dict(zip(STAGES, np.diff([t0, t1, t2, t3, t4, t5]).tolist()))
        return FrameResult(stamp, results, self.labels, self.model_id, timings, clock_reset, len(predictions),
                           stamp_repeated, list(self.tracker.expired))

    def _track(self, people: list[PersonPose], stamp: float) -> list[PersonResult]:
        results = []
        for track_id, person in self.tracker.update(people, stamp):
            self.windows.push(track_id, stamp, person.landmarks)
            results.append(PersonResult(track_id, person.landmarks, person.box))
        self.windows.drop(self.tracker.expired)
        self.smoother.drop(self.tracker.expired)
        return results

    def _handle_clock(self, stamp: float) -> bool:
        """True (after resetting every temporal stage) when `stamp` went back in time."""
        jumped = self._last_stamp is not None and stamp < self._last_stamp
        if jumped:
            LOG.warning("clock went back from %.3f s to %.3f s: resetting tracks and windows", self._last_stamp, stamp)
            self.clock_resets += 1
            self.pose.reset()
            self.tracker.reset()
            self.windows.reset()
            self.smoother.reset()
        self._last_stamp = stamp
        return jumped

    def close(self) -> None:
        self.pose.close()
        if self.engine is not None:
            self.engine.release()


def default_model_path() -> Path:
    """The packaged EmotiPoseformer (installed with the Python package)."""
    from .data_sources import PACKAGE_ROOT

    return PACKAGE_ROOT / "models" / "emotiposeformer.pt"


def load_default_engine(device: str = "auto", half: bool = True, model_path: Optional[Path] = None,
                        cpu_threads: int = 1) -> Optional[EmotionEngine]:
    """The engine for `model_path` (default: the packaged model), or None when no trained model
    is installed, in which case doors show skeletons and ids and say so."""
    path = Path(model_path) if model_path else default_model_path()
    if model_path is None:
        if not path.exists():
            LOG.warning("no trained emotion model installed at %s: showing poses and ids only", path)
            return None
        verify_packaged_model(path)
    return EmotionEngine(path, device=device, half=half, cpu_threads=cpu_threads)


def verify_packaged_model(path: Path) -> None:
    """The packaged model must match the sha256 pinned beside it at export."""
    from .checksums import require_sha256
    from .errors import ModelLoadError

    pinned_file = path.with_name(path.name + ".sha256")
    pinned = pinned_file.read_text().split()[0] if pinned_file.exists() else None
    require_sha256(path, pinned, ModelLoadError,
                   f"the pin is {pinned_file.name}; re-export the model with `make train`")
