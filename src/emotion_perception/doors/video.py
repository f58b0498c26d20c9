"""The video door: a file or a camera through the pipeline, to an annotated video and JSON lines.

Stamps come from the container's presentation times (not frame counts times a nominal rate), so
variable-frame-rate files keep their real timing; cameras use the wall clock.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator, Optional

import cv2
import numpy as np

from ..core.draw import draw_frame
from ..core.errors import VideoSourceError
from ..core.pipeline import FrameResult, Pipeline

LOG = logging.getLogger(__name__)


@dataclass
class VideoSource:
    capture: cv2.VideoCapture
    name: str
    is_camera: bool
    fps: float
    frame_count: int

    @classmethod
    def open(cls, path: Optional[str] = None, camera: Optional[int] = None) -> "VideoSource":
        if camera is not None:
            capture, name = cv2.VideoCapture(camera), f"camera {camera}"
        elif path is not None:
            if not Path(path).is_file():
                raise VideoSourceError(f"video file not found: {path}")
            capture, name = cv2.VideoCapture(str(path)), str(path)
        else:
            raise VideoSourceError("give an input video file or --camera N")
        if not capture.isOpened():
            raise VideoSourceError(f"could not open {name} (unsupported codec or no such device)")
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if camera is None else 0
        return cls(capture, name, camera is not None, fps if fps > 0 else 30.0, count)

    def frames(self, max_frames: Optional[int] = None) -> Iterator[tuple[float, np.ndarray]]:
        """(stamp seconds, BGR frame) pairs; stamps strictly increase."""
        start = time.monotonic()
        index = 0
        last_stamp = -1.0
        while max_frames is None or index < max_frames:
            ok, bgr = self.capture.read()
            if not ok:
                return
            if self.is_camera:
                stamp = time.monotonic() - start
            else:  # presentation time of the frame just read
                stamp = self.capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if stamp <= last_stamp:
                stamp = last_stamp + 1.0 / self.fps
            last_stamp = stamp
            index += 1
            yield stamp, bgr

    def close(self) -> None:
        self.capture.release()


def frame_record(frame: FrameResult, frame_index: int) -> dict:
    """One JSON-lines record: every person's landmarks, probabilities, valence, arousal, stamp."""
    return {
        "frame": frame_index,
        "stamp": round(frame.stamp, 6),
        "model_id": frame.model_id or None,
        "labels": list(frame.labels),
        "people": [
            {
                "id": person.track_id,
                "box": [round(float(v), 2) for v in person.box],
                "landmarks": np.round(person.landmarks.astype(np.float64), 3).tolist(),
                "valid_frames": person.valid_frames,
                "label": person.label or None,
                "confidence": round(person.confidence, 5) if person.has_emotion else None,
                "probabilities": np.round(person.probabilities.astype(np.float64), 6).tolist()
                if person.has_emotion
                else None,
                "valence": round(person.valence, 5) if person.has_emotion else None,
                "arousal": round(person.arousal, 5) if person.has_emotion else None,
                "emotion_age_s": round(person.emotion_age_s, 5) if person.has_emotion else None,
            }
            for person in frame.people
        ],
    }


def run_video(
    pipeline: Pipeline,
    source: VideoSource,
    out_video: Optional[Path],
    out_jsonl: Optional[Path],
    max_frames: Optional[int] = None,
    progress: bool = True,
) -> int:
    """Processes the whole source; returns the number of frames written."""
    from tqdm import tqdm

    writer = None
    jsonl: Optional[IO[str]] = open(out_jsonl, "w") if out_jsonl else None
    total = (
        min(source.frame_count, max_frames) if source.frame_count and max_frames else (source.frame_count or max_frames)
    )
    bar = tqdm(total=total or None, unit="frame", disable=not progress, desc=Path(source.name).name)
    count = 0
    try:
        for stamp, bgr in source.frames(max_frames):
            frame = pipeline.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), stamp)
            if out_video is not None:
                if writer is None:
                    writer = _open_writer(out_video, source.fps, bgr.shape[1], bgr.shape[0])
                writer.write(draw_frame(bgr, frame, model_installed=pipeline.engine is not None))
            if jsonl is not None:
                jsonl.write(json.dumps(frame_record(frame, count)) + "\n")
            count += 1
            bar.update(1)
    finally:
        bar.close()
        if writer is not None:
            writer.release()
        if jsonl is not None:
            jsonl.close()
    return count


def _open_writer(path: Path, fps: float, width: int, height: int) -> cv2.VideoWriter:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise VideoSourceError(f"could not open {path} for writing (mp4v codec unavailable?)")
    return writer
