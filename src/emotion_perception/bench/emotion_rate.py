"""What judging each person less often costs and buys: per emotion rate, the model's time per
frame and how often the published label equals the one judged every frame.

The poses are computed once and replayed into a fresh pipeline per rate, so the rates differ only
in when the model runs. Inputs: real footage (pose_1.mp4 at 30 fps, pose_squats.mp4 at 5 fps)
and the held-out motions of the three studios' mocap through the MediaPipe simulation at their
recorded rate (walks, gestures and acting: how fast a label moves on real motion).
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from ..core.pipeline import (
    DEFAULT_EMOTION_RATE_HZ,
    Pipeline,
    PipelineConfig,
    RuntimeSettings,
    load_default_engine,
)
from ..core.pose import PersonPose, PoseConfig, PoseEstimator
from .footage import rgb_frames

RATES_HZ = (float("inf"), 15.0, 10.0, 5.0, 2.0, 1.0)  # inf: every frame
MOCAP_CLIPS = 36  # held-out motions, spread over the sources


class _ReplayedPoses:
    """A pose stage that returns recorded poses, frame by frame."""

    def __init__(self, frames: Sequence[list[PersonPose]]) -> None:
        self._frames, self._next, self.evictions = list(frames), 0, 0

    def process(self, rgb: Any, stamp: float) -> list[PersonPose]:
        people = self._frames[self._next]
        self._next += 1
        return people

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def _footage_poses(name: str) -> tuple[list[list[PersonPose]], float]:
    frames, fps = rgb_frames(name)
    estimator = PoseEstimator(PoseConfig(model="full", max_people=2))
    try:
        return [estimator.process(rgb, index / fps) for index, rgb in enumerate(frames)], fps
    finally:
        estimator.close()


def _mocap_poses() -> Iterator[tuple[list[list[PersonPose]], float]]:
    from ..training.cross_source import holdout_clips
    from ..training.mocap.corpus import clip_landmarks, list_clips
    from ..training.mocap.projection import observe, random_camera
    from ..training.mocap_windows import clip_seed

    clips = list_clips()
    held = sorted(holdout_clips(clips))
    for name in held[:: max(1, len(held) // MOCAP_CLIPS)][:MOCAP_CLIPS]:
        clip = next(c for c in clips if c.name == name)
        landmarks, fps = clip_landmarks(clip)
        rng = np.random.default_rng(clip_seed(clip, 0))
        hips = landmarks[:, 23:25].mean(axis=(0, 1))
        raw = observe(landmarks, random_camera(rng, hips), rng)
        yield [[PersonPose(frame)] for frame in raw], fps


def _published(poses: Sequence[list[PersonPose]], fps: float, rate_hz: float, engine) -> tuple[list, float]:
    """(each frame's labels by track, seconds in the model and normalisation)."""
    pipeline = Pipeline(PipelineConfig(runtime=RuntimeSettings(emotion_rate_hz=rate_hz)), engine,
                        pose=_ReplayedPoses(poses))
    labels, seconds = [], 0.0
    for index in range(len(poses)):
        frame = pipeline.process(None, index / fps)
        seconds += frame.timings["normalize"] + frame.timings["model"]
        labels.append({p.track_id: p.label for p in frame.people if p.has_emotion})
    return labels, seconds


def report() -> dict[str, Any]:
    engine = load_default_engine(device="cpu")
    inputs = [_footage_poses("pose_1.mp4"), _footage_poses("pose_squats.mp4"), *_mocap_poses()]
    rows = []
    reference = [_published(poses, fps, RATES_HZ[0], engine)[0] for poses, fps in inputs]
    frames = sum(len(poses) for poses, _ in inputs)
    for rate in RATES_HZ:
        same, judged, seconds = 0, 0, 0.0
        for (poses, fps), every_frame in zip(inputs, reference):
            labels, spent = _published(poses, fps, rate, engine)
            seconds += spent
            for mine, theirs in zip(labels, every_frame):
                both = mine.keys() & theirs.keys()
                judged += len(both)
                same += sum(mine[t] == theirs[t] for t in both)
        rows.append({"rate_hz": "every frame" if rate == float("inf") else rate,
                     "label_agreement": same / max(judged, 1),
                     "model_ms_per_frame": 1000.0 * seconds / frames})
    engine.release()
    return {"inputs": f"pose_1.mp4, pose_squats.mp4 and {len(inputs) - 2} held-out mocap motions",
            "frames": frames, "rows": rows}



def _rate_text(rate: Any) -> str:
    return rate if isinstance(rate, str) else f"{rate:g}"


def markdown(section: dict[str, Any]) -> list[str]:
    lines = ["", f"Emotion rate ({section['inputs']}, {section['frames']:,} frames; the default is "
                 f"{DEFAULT_EMOTION_RATE_HZ:g} Hz):", "",
             "| emotion_rate_hz | model + windows, ms per frame | label as judged every frame |", "|---|---|---|"]
    lines += [f"| {_rate_text(row['rate_hz'])} | {row['model_ms_per_frame']:.2f} | {row['label_agreement']:.1%} |"
              for row in section["rows"]]
    return lines
