"""The interface package built by colcon, filled from a pipeline's FrameResult as the node fills it."""
from __future__ import annotations

import numpy as np


def _frame_result():
    from emotion_perception.core.pipeline import FrameResult, PersonResult

    landmarks = np.column_stack([np.linspace(100, 132, 33), np.linspace(50, 210, 33), np.zeros(33),
                                 np.linspace(0.2, 1.0, 33)])
    judged = PersonResult(track_id=3, landmarks=landmarks, box=np.array([90.5, 40.2, 140.9, 220.0]), valid_frames=20,
                          probabilities=np.array([0.1, 0.7, 0.2]), valence=0.2, arousal=-0.1, label="happy",
                          confidence=0.7)
    warming_up = PersonResult(track_id=4, landmarks=landmarks, box=np.array([-5.0, 10.0, 30.0, 90.0]), valid_frames=6)
    return FrameResult(stamp=12.5, people=[judged, warming_up], labels=("neutral", "happy", "sad"), model_id="m/1")


def test_a_frame_result_becomes_the_message_a_subscriber_reads():
    from emotion_perception_msgs.msg import FrameEmotions, Landmark

    from emotion_perception.ros.emotion_message import frame_emotions
    from emotion_perception.ros.node import ROS_KIT

    message = frame_emotions(ROS_KIT, _frame_result(), stamp_ns=12_500_000_001, frame_id="camera", window_length=30)

    assert isinstance(message, FrameEmotions) and FrameEmotions.__module__.startswith("emotion_perception_msgs")
    assert (message.header.stamp.sec, message.header.stamp.nanosec, message.header.frame_id) == (12, 500_000_001,
                                                                                                 "camera")
    assert list(message.labels) == ["neutral", "happy", "sad"] and message.model_id == "m/1"
    judged, warming_up = message.people
    assert (judged.track_id, judged.label, judged.valid_frames, judged.window_length) == (3, "happy", 20, 30)
    np.testing.assert_allclose(judged.probabilities, [0.1, 0.7, 0.2], rtol=1e-6)
    assert (judged.confidence, judged.valence, judged.arousal) == (0.7, 0.2, -0.1)
    # the box in whole pixels, never negative; the landmarks one by one, visibility kept
    assert (judged.box.x_offset, judged.box.y_offset, judged.box.width, judged.box.height) == (90, 40, 50, 179)
    assert (warming_up.box.x_offset, warming_up.box.width) == (0, 30)
    assert len(judged.landmarks) == 33 and isinstance(judged.landmarks[0], Landmark)
    assert (judged.landmarks[32].x, judged.landmarks[32].y, judged.landmarks[32].visibility) == (132.0, 210.0, 1.0)
    # a track still filling its first window carries no judgement: empty label and probabilities
    assert (warming_up.label, len(warming_up.probabilities), warming_up.confidence) == ("", 0, 0.0)
