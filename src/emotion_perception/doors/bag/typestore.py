"""The rosbags type store: ROS 2 Kilted's message types plus ours, from our .msg files.

Our definitions are read where a built workspace installed them (the ament index), falling back
to the interface package's sources in this repository, so bags are written with the same
definitions and RIHS01 type hashes that rclpy and a real `ros2 bag` use.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from ...core.data_sources import REPOSITORY_ROOT, installed_share_paths
from ...ros.emotion_message import MessageKit

MSGS_PACKAGE = "emotion_perception_msgs"
FRAME_EMOTIONS = f"{MSGS_PACKAGE}/msg/FrameEmotions"
_SOURCE_MSGS = REPOSITORY_ROOT / "ros2_ws" / "src" / MSGS_PACKAGE / "msg"


def message_directory() -> Path:
    for candidate in [*installed_share_paths(MSGS_PACKAGE, "msg"), _SOURCE_MSGS]:
        if (candidate / "FrameEmotions.msg").exists():
            return candidate
    raise FileNotFoundError(f"{MSGS_PACKAGE} message definitions not found: build ros2_ws or source its setup.bash")


def typestore() -> Any:
    """Kilted's types plus ours, read from wherever the message package is found now (a sourced
    workspace can change AMENT_PREFIX_PATH within one process); built once per directory."""
    return _typestore_for(message_directory())


@functools.lru_cache(maxsize=4)
def _typestore_for(directory: Path) -> Any:
    from rosbags.typesys import Stores, get_types_from_msg, get_typestore

    store = get_typestore(Stores.ROS2_KILTED)
    types: dict = {}
    for path in sorted(directory.glob("*.msg")):
        types.update(get_types_from_msg(path.read_text(), f"{MSGS_PACKAGE}/msg/{path.stem}"))
    store.register(types)
    return store


def bag_kit() -> MessageKit:
    """rosbags classes for frame_emotions (float32[] as float32 numpy arrays)."""
    types = typestore().types
    return MessageKit(
        frame_emotions=types[FRAME_EMOTIONS], person_emotion=types[f"{MSGS_PACKAGE}/msg/PersonEmotion"],
        landmark=types[f"{MSGS_PACKAGE}/msg/Landmark"], region_of_interest=types["sensor_msgs/msg/RegionOfInterest"],
        header=types["std_msgs/msg/Header"], time=types["builtin_interfaces/msg/Time"],
        float_array=lambda values: np.asarray(values, dtype=np.float32),
    )
