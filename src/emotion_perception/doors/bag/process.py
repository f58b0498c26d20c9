"""`bag process`: the node's pipeline over a bag, without DDS, into a result bag.

Every image is converted, processed and turned into the FrameEmotions the node would publish
(same builder), written at the image's recorded time. No frame is dropped, so the result is
deterministic on one machine and is what the golden tests and the live replay compare against.
A frame that cannot be converted is logged once per kind, counted and skipped, as in the node.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ...core.errors import BadImageError, EmotionPerceptionError
from ...core.pipeline import FrameResult, Pipeline
from ...ros.emotion_message import frame_emotions
from ...ros.image_conversion import to_rgb8
from ...ros.stamps import seconds_of
from .images import read_images
from .typestore import FRAME_EMOTIONS, bag_kit, typestore

LOG = logging.getLogger(__name__)
DEFAULT_OUTPUT_TOPIC = "/emotions"


@dataclass
class ProcessReport:
    frames: int = 0
    people: int = 0
    emotions: int = 0
    clock_resets: int = 0
    bad_inputs: Counter = field(default_factory=Counter)


def process_bag(pipeline: Pipeline, bag: Path, out: Path, topic: Optional[str] = None,
                output_topic: str = DEFAULT_OUTPUT_TOPIC, max_frames: Optional[int] = None,
                on_frame: Optional[Callable[[FrameResult], None]] = None) -> ProcessReport:
    from rosbags.rosbag2 import StoragePlugin, Writer

    if out.exists():
        raise EmotionPerceptionError(f"{out} exists: remove it first (rosbag2 never overwrites a bag)")
    store, kit = typestore(), bag_kit()
    report = ProcessReport()
    with Writer(out, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        connection = writer.add_connection(output_topic, FRAME_EMOTIONS, typestore=store)
        for image in read_images(bag, topic, max_frames):
            try:
                rgb = to_rgb8(image.message)
                frame = pipeline.process(rgb, seconds_of(image.stamp_ns))
            except BadImageError as error:
                if not report.bad_inputs[error.kind]:
                    LOG.warning("bad input (%s) at %d ns: %s; frame skipped", error.kind, image.stamp_ns, error)
                report.bad_inputs[error.kind] += 1
                continue
            message = frame_emotions(kit, frame, image.stamp_ns, image.frame_id, pipeline.window_length)
            writer.write(connection, image.log_time_ns, store.serialize_cdr(message, FRAME_EMOTIONS))
            report.frames += 1
            report.people += len(frame.people)
            report.emotions += sum(person.has_emotion for person in frame.people)
            report.clock_resets += frame.clock_reset
            if on_frame is not None:
                on_frame(frame)
    return report


def read_emotions(path: Path, topic: str = DEFAULT_OUTPUT_TOPIC) -> list:
    """The FrameEmotions messages of a result bag, decoded with our definitions."""
    from rosbags.rosbag2 import Reader

    store = typestore()
    with Reader(path) as reader:
        connections = [c for c in reader.connections if c.topic == topic and c.msgtype == FRAME_EMOTIONS]
        if not connections:
            raise EmotionPerceptionError(f"{path}: no {FRAME_EMOTIONS} on {topic}")
        return [store.deserialize_cdr(raw, FRAME_EMOTIONS) for _, _, raw in reader.messages(connections=connections)]
