"""Real footage to a rosbag2 file, as a camera driver would have recorded it.

Every frame becomes a sensor_msgs/Image (bgr8, as OpenCV drivers publish) or, with
`compressed`, a JPEG CompressedImage on `<topic>/compressed` (image_transport's naming), plus a
CameraInfo on the sibling `camera_info` topic. Stamps follow the video's frame rate from a fixed
start time, so the same video always gives the same bag (goldens depend on it). The camera
model is nominal (principal point at the centre, a 60 degree horizontal field of view): the
footage came without a calibration and we do not pretend otherwise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ...core.errors import EmotionPerceptionError
from ...ros.launch_plan import DEFAULT_CAMERA_TOPIC
from ...ros.stamps import NS_PER_S
from .typestore import typestore

DEFAULT_START_NS = 1_700_000_000 * NS_PER_S
NOMINAL_HFOV_DEG = 60.0


@dataclass(frozen=True)
class BagSummary:
    path: Path
    frames: int
    fps: float
    image_topic: str
    info_topic: str


def camera_info_topic(image_topic: str) -> str:
    return image_topic.rsplit("/", 1)[0] + "/camera_info" if image_topic.count("/") > 1 else "/camera_info"


def video_to_bag(video: Path, out: Path, topic: str = DEFAULT_CAMERA_TOPIC, storage: str = "mcap",
                 compressed: bool = False, frame_id: str = "camera", max_frames: Optional[int] = None,
                 start_frame: int = 0, start_ns: int = DEFAULT_START_NS, fps: Optional[float] = None) -> BagSummary:
    import cv2
    from rosbags.rosbag2 import StoragePlugin, Writer

    capture = cv2.VideoCapture(str(video))
    if not capture.isOpened():
        raise EmotionPerceptionError(f"cannot open video {video}")
    fps = fps or capture.get(cv2.CAP_PROP_FPS) or 30.0
    if start_frame:
        capture.set(cv2.CAP_PROP_POS_FRAMES, start_frame)
    store = typestore()
    types = store.types
    Header, Time = types["std_msgs/msg/Header"], types["builtin_interfaces/msg/Time"]
    image_topic = topic + "/compressed" if compressed else topic
    image_type = "sensor_msgs/msg/CompressedImage" if compressed else "sensor_msgs/msg/Image"
    info_topic = camera_info_topic(topic)
    plugin = {"mcap": StoragePlugin.MCAP, "sqlite3": StoragePlugin.SQLITE3}[storage]
    if out.exists():
        raise EmotionPerceptionError(f"{out} exists: rosbag2 never overwrites a bag, remove it first")
    frames = 0
    with Writer(out, version=9, storage_plugin=plugin) as writer:
        image_connection = writer.add_connection(image_topic, image_type, typestore=store)
        info_connection = writer.add_connection(info_topic, "sensor_msgs/msg/CameraInfo", typestore=store)
        while max_frames is None or frames < max_frames:
            ok, bgr = capture.read()
            if not ok:
                break
            stamp_ns = start_ns + int(round(frames * 1e9 / fps))
            header = Header(
                stamp=Time(sec=stamp_ns // NS_PER_S, nanosec=stamp_ns % NS_PER_S), frame_id=frame_id
            )
            if compressed:
                encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 90])[1]
                message = types[image_type](
                    header=header, format="bgr8; jpeg compressed bgr8", data=np.asarray(encoded, dtype=np.uint8).ravel()
                )
            else:
                height, width = bgr.shape[:2]
                message = types[image_type](
                    header=header,
                    height=height,
                    width=width,
                    encoding="bgr8",
                    is_bigendian=0,
                    step=width * 3,
                    data=np.ascontiguousarray(bgr).ravel(),
                )
            writer.write(image_connection, stamp_ns, store.serialize_cdr(message, image_type))
            writer.write(
                info_connection,
                stamp_ns,
                store.serialize_cdr(_camera_info(types, header, *bgr.shape[:2]), "sensor_msgs/msg/CameraInfo"),
            )
            frames += 1
    capture.release()
    if frames == 0:
        raise EmotionPerceptionError(f"{video}: no frame could be read")
    return BagSummary(out, frames, fps, image_topic, info_topic)


def _camera_info(types, header, height: int, width: int):
    focal = 0.5 * width / math.tan(math.radians(NOMINAL_HFOV_DEG) / 2)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    RegionOfInterest = types["sensor_msgs/msg/RegionOfInterest"]
    return types["sensor_msgs/msg/CameraInfo"](
        header=header,
        height=height,
        width=width,
        distortion_model="plumb_bob",
        d=np.zeros(5),
        k=np.array([focal, 0, cx, 0, focal, cy, 0, 0, 1], float),
        r=np.eye(3).ravel(),
        p=np.array([focal, 0, cx, 0, 0, focal, cy, 0, 0, 0, 1, 0], float),
        binning_x=0,
        binning_y=0,
        roi=RegionOfInterest(x_offset=0, y_offset=0, height=0, width=0, do_rectify=False),
    )
