"""One FrameEmotions builder for every door that emits our message.

The node fills rclpy message classes and `bag process` fills rosbags classes; both go through
`frame_emotions` so a result bag carries exactly what the node would have published. The two
message libraries differ only in their classes and in how a float32[] wants its values, which
is what a MessageKit names.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..core.pipeline import FrameResult
from .stamps import stamp_ns as stamp_of_header
from .stamps import time_fields


@dataclass(frozen=True)
class MessageKit:
    frame_emotions: type
    person_emotion: type
    landmark: type
    region_of_interest: type
    header: type
    time: type
    float_array: Callable[[Sequence[float]], Any]


def frame_emotions(kit: MessageKit, frame: FrameResult, stamp_ns: int, frame_id: str, window_length: int) -> Any:
    """The FrameEmotions for one processed image; `stamp_ns` and `frame_id` are the source image's."""
    people = [_person(kit, person, window_length) for person in frame.people]
    sec, nanosec = time_fields(stamp_ns)
    header = kit.header(stamp=kit.time(sec=sec, nanosec=nanosec),
                        frame_id=frame_id)
    return kit.frame_emotions(header=header, labels=list(frame.labels), model_id=frame.model_id, people=people)


def _person(kit: MessageKit, person, window_length: int) -> Any:
    x0, y0, x1, y1 = (max(0.0, float(v)) for v in person.box)
    box = kit.region_of_interest(x_offset=int(x0), y_offset=int(y0), height=int(max(0.0, y1 - y0)),
                                 width=int(max(0.0, x1 - x0)), do_rectify=False)
    # tolist: Python floats in one call instead of a numpy scalar per field (a frame's largest churn)
    landmarks = [kit.landmark(x=x, y=y, z=z, visibility=visibility)
                 for x, y, z, visibility in np.asarray(person.landmarks, dtype=np.float64).tolist()]
    emotion = person.has_emotion
    return kit.person_emotion(
        track_id=int(person.track_id),
        label=person.label if emotion else "",
        confidence=float(person.confidence) if emotion else 0.0,
        probabilities=kit.float_array(np.asarray(person.probabilities, dtype=np.float64).tolist() if emotion else []),
        valence=float(person.valence) if emotion else 0.0,
        arousal=float(person.arousal) if emotion else 0.0,
        emotion_age_s=float(person.emotion_age_s) if emotion else 0.0,
        valid_frames=int(min(person.valid_frames, 65535)),
        window_length=int(window_length),
        box=box,
        landmarks=landmarks,
    )


def summarize(message: Any) -> dict:
    """A FrameEmotions (from either library) as plain data: what goldens and comparisons hold."""
    stamp_ns = stamp_of_header(message.header)
    return {
        "stamp_ns": stamp_ns,
        "people": [
            {
                "id": int(p.track_id), "label": p.label, "confidence": round(float(p.confidence), 5),
                "probabilities": [round(float(v), 5) for v in np.asarray(p.probabilities, dtype=np.float64)],
                "valence": round(float(p.valence), 5), "arousal": round(float(p.arousal), 5),
                "emotion_age_s": round(float(p.emotion_age_s), 5),
                "valid_frames": int(p.valid_frames), "window_length": int(p.window_length),
                "box": [int(p.box.x_offset), int(p.box.y_offset), int(p.box.width), int(p.box.height)],
            }
            for p in message.people
        ],
    }
