"""The camera images of a rosbag2 file, decoded, in recorded order."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from ...core.errors import EmotionPerceptionError
from ...ros.stamps import stamp_ns
from .typestore import typestore

IMAGE_TYPES = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage")


@dataclass(frozen=True)
class RecordedImage:
    log_time_ns: int
    stamp_ns: int  # the header stamp: the time the pipeline sees
    frame_id: str
    message: Any  # rosbags Image or CompressedImage


def image_topic_of(reader: Any, topic: Optional[str] = None) -> Any:
    """The connection to read: `topic` if given, else the bag's only image topic."""
    candidates = [c for c in reader.connections if c.msgtype in IMAGE_TYPES]
    if topic is not None:
        candidates = [c for c in candidates if c.topic == topic]
    if len(candidates) != 1:
        found = sorted({c.topic for c in reader.connections if c.msgtype in IMAGE_TYPES})
        raise EmotionPerceptionError(f"choose one image topic with --topic (found {found or 'none'})")
    return candidates[0]


def read_images(path: Path, topic: Optional[str] = None, max_frames: Optional[int] = None) -> Iterator[RecordedImage]:
    from rosbags.rosbag2 import Reader

    store = typestore()
    with Reader(path) as reader:
        connection = image_topic_of(reader, topic)
        for count, (_, log_time, raw) in enumerate(reader.messages(connections=[connection])):
            if max_frames is not None and count >= max_frames:
                return
            message = store.deserialize_cdr(raw, connection.msgtype)
            stamp = message.header.stamp
            yield RecordedImage(log_time, stamp_ns(stamp),
                                message.header.frame_id, message)
