"""The REP-155 mapping: ids, boxes, the 18-point skeleton and expressions, without ROS."""
from __future__ import annotations

import numpy as np

from emotion_perception.core.landmarks import INDEX
from emotion_perception.core.rep155 import (
    EXPRESSION_CONSTANTS,
    NECK,
    SKELETON_18,
    body_id,
    expression,
    normalized_box,
    skeleton_18,
)
from emotion_perception.training.mocap.corpus import CLASSES


def test_body_ids_are_short_valid_topic_tokens_and_never_repeat_across_activations():
    ids = [body_id(track, activation) for activation in (1, 2, 3) for track in range(1, 200)]
    assert len(set(ids)) == len(ids)
    assert all(i[0].isalpha() and i.replace("_", "").isalnum() and len(i) <= 8 for i in ids)


def test_the_skeleton_is_openpose_coco_with_the_neck_between_the_shoulders():
    rng = np.random.default_rng(1)
    landmarks = np.zeros((33, 4), np.float32)
    landmarks[:, 0] = rng.uniform(0, 640, 33)
    landmarks[:, 1] = rng.uniform(0, 480, 33)
    landmarks[:, 3] = rng.uniform(0, 1, 33)
    points = skeleton_18(landmarks, 640, 480)
    assert points.shape == (18, 3)
    # the order hri_msgs/Skeleton2D names: RIGHT_SHOULDER = 2, LEFT_HIP = 11, RIGHT_EAR = 17
    for code, name in ((0, "nose"), (2, "right_shoulder"), (11, "left_hip"), (13, "left_ankle"), (17, "right_ear")):
        assert SKELETON_18[code] == name
        np.testing.assert_allclose(points[code], landmarks[INDEX[name], [0, 1, 3]] / [640, 480, 1], rtol=1e-6)
    left, right = points[5, :2], points[2, :2]
    np.testing.assert_allclose(points[NECK, :2], (left + right) / 2, rtol=1e-6)
    assert points[NECK, 2] == min(points[5, 2], points[2, 2])


def test_points_outside_the_image_are_clamped_into_it():
    landmarks = np.full((33, 4), 0.9, np.float32)
    landmarks[:, 0] = np.linspace(-50, 700, 33)
    landmarks[:, 1] = np.linspace(-20, 900, 33)
    points = skeleton_18(landmarks, 640, 480)
    assert points.min() >= 0.0 and points.max() <= 1.0
    assert normalized_box(np.array([-10, 5, 700, 240]), 640, 480) == (0.0, 5 / 480, 1.0, 0.5)


def test_every_label_is_an_expression_constant_or_our_own_word():
    mapped = {label: expression(label) for label in (*CLASSES, "unknown")}
    assert mapped["tired"] == "tired" and mapped["energetic"] == "excited" and mapped["sad"] == "sad"
    assert mapped["unknown"] == "unknown" and mapped["proud"] == "proud"
    outside = {label for label, word in mapped.items() if word not in EXPRESSION_CONSTANTS}
    assert outside == {"proud", "insecure", "unknown"}, "only where the message has no word for it"
