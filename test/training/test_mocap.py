"""Motion capture to landmarks: BVH kinematics checked by hand, projection geometry, mapping."""
from __future__ import annotations

import numpy as np
import pytest

from emotion_perception.core.data_sources import data_dir
from emotion_perception.core.landmarks import INDEX
from emotion_perception.training.mocap.body import carried
from emotion_perception.training.mocap.bvh import BvhFormatError, read_bvh
from emotion_perception.training.mocap.corpus import Clip, clip_landmarks, list_clips, valence_arousal
from emotion_perception.training.mocap.projection import Camera, look_at, observe, random_camera

DATASET1 = data_dir() / "bandai-namco-motion" / "dataset-1" / "data"
TINY_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Arm
  {
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 5 0 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.5
1 2 3 0 0 0 0 0 0
0 0 0 90 0 0 90 0 0
"""


def test_forward_kinematics_of_a_hand_checked_chain(tmp_path):
    path = tmp_path / "tiny.bvh"
    path.write_text(TINY_BVH)
    motion = read_bvh(path)
    assert [j.name for j in motion.joints] == ["Hips", "Arm", "Arm_end"] and motion.fps == 2.0
    positions, _ = motion.forward_kinematics()
    # Frame 0: translated by (1, 2, 3), no rotation: the arm points along +x.
    np.testing.assert_allclose(positions[0], [[1, 2, 3], [11, 2, 3], [16, 2, 3]], atol=1e-9)
    # Frame 1: the root turns 90 deg about z (x -> y), the arm another 90 (y -> -x).
    np.testing.assert_allclose(positions[1], [[0, 0, 0], [0, 10, 0], [-5, 10, 0]], atol=1e-9)


def test_malformed_bvh_is_rejected(tmp_path):
    path = tmp_path / "bad.bvh"
    path.write_text(TINY_BVH.replace("0 0 0 90 0 0 90 0 0\n", "0 0 0\n"))
    with pytest.raises(BvhFormatError, match="motion values"):
        read_bvh(path)


def hip_speed(style: str, take: str = "*") -> float:
    """Median horizontal hip speed (cm/s) over the dataset-1 walks of one style."""
    speeds = []
    for path in sorted((DATASET1).glob(f"dataset-1_walk_{style}_{take}.bvh")):
        motion = read_bvh(path)
        positions, _ = motion.forward_kinematics()
        hips = positions[:, motion.index("Hips")][:, [0, 2]]
        speeds.append(np.median(np.linalg.norm(np.diff(hips, axis=0), axis=1)) * motion.fps)
    assert speeds, f"no dataset-1 walk for {style}"
    return float(np.mean(speeds))


def test_hip_speed_follows_the_labels_on_dataset1_walks(record_property):
    first_takes = [hip_speed(style, "001") for style in ("sad", "tired", "happy", "angry")]
    record_property("measurement", f"dataset-1 first-take walk hip speed cm/s (sad, tired, happy, angry): "
                    f"{np.round(first_takes, 1).tolist()}")
    assert first_takes == sorted(first_takes)
    assert 50 < first_takes[0] < 65 and 170 < first_takes[3] < 200, "the data README measured 59 and 187 cm/s"
    all_takes = [hip_speed(style) for style in ("sad", "tired", "happy", "angry")]
    assert all_takes == sorted(all_takes)


def test_bones_are_rigid_over_a_real_clip():
    motion = read_bvh(DATASET1 / "dataset-1_walk_happy_001.bvh")
    positions, _ = motion.forward_kinematics()
    upper_arm = np.linalg.norm(
        positions[:, motion.index("LowerArm_L")] - positions[:, motion.index("UpperArm_L")], axis=1
    )
    assert upper_arm.std() < 1e-6 * upper_arm.mean() + 1e-6


def test_mapped_landmarks_sit_where_the_body_is():
    clip = next(c for c in list_clips(["bandai"], {"dataset-1"}) if c.name == "dataset-1_walk_happy_001")
    landmarks, fps = clip_landmarks(clip)
    assert landmarks.shape[1:] == (33, 3) and abs(fps - 30.0) < 1e-3
    frame = landmarks[50]
    # The actor walks along +z with y up, so their left is +x.
    assert frame[INDEX["left_shoulder"], 0] > frame[INDEX["right_shoulder"], 0]
    assert frame[INDEX["left_hip"], 0] > frame[INDEX["right_hip"], 0]
    assert (
        frame[INDEX["nose"], 1]
        > frame[INDEX["left_shoulder"], 1]
        > frame[INDEX["left_hip"], 1]
        > frame[INDEX["left_knee"], 1]
    )
    assert frame[INDEX["nose"], 2] > frame[INDEX["left_ear"], 2], "the nose is in front of the ears"
    assert frame[INDEX["left_foot_index"], 2] > frame[INDEX["left_heel"], 2], "toes point forward"



def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cosine = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cosine, -1, 1)))


def test_a_lowered_head_and_a_forward_lean_turn_only_the_parts_they_name():
    clip = next(c for c in list_clips(["bandai"], {"dataset-1"}) if c.name == "dataset-1_walk_happy_001")
    landmarks, _ = clip_landmarks(clip)
    neck = 0.5 * (landmarks[:, INDEX["left_shoulder"]] + landmarks[:, INDEX["right_shoulder"]])
    hips = 0.5 * (landmarks[:, INDEX["left_hip"]] + landmarks[:, INDEX["right_hip"]])
    nose = INDEX["nose"]

    head_down = carried(landmarks, head_down_deg=20.0)
    np.testing.assert_allclose(head_down[:, 11:], landmarks[:, 11:])  # below the head: the recording
    np.testing.assert_allclose(_angle_deg(head_down[:, nose] - neck, landmarks[:, nose] - neck), 20.0, atol=0.5)
    assert np.all(head_down[:, nose, 2] > landmarks[:, nose, 2]), "down means toward the front (+z: the walk)"
    assert np.all(head_down[:, nose, 1] < landmarks[:, nose, 1])

    leaned = carried(landmarks, lean_forward_deg=-10.0)  # negative: back
    np.testing.assert_allclose(leaned[:, 23:], landmarks[:, 23:])  # hips and legs stay
    leaned_neck = 0.5 * (leaned[:, INDEX["left_shoulder"]] + leaned[:, INDEX["right_shoulder"]])
    np.testing.assert_allclose(_angle_deg(leaned_neck - hips, neck - hips), 10.0, atol=0.5)
    assert np.all(leaned_neck[:, 2] < neck[:, 2])


def test_derived_hand_and_foot_points_are_placed_alike_on_both_sides():
    # The rig's right-limb frames are mirrored; the derived points must not care.
    clip = next(c for c in list_clips(["bandai"], {"dataset-1"}) if c.name == "dataset-1_bow_sad_001")
    landmarks, _ = clip_landmarks(clip)
    reach = {}
    for side in ("left", "right"):
        ankle, heel, tip = (landmarks[:, INDEX[f"{side}_{p}"]] for p in ("ankle", "heel", "foot_index"))
        assert (heel[:, 1] < ankle[:, 1]).all(), f"{side} heel below the ankle while standing"
        assert (tip[:, 2] > heel[:, 2]).all(), f"{side} foot points the way the actor faces (+z)"
        wrist, index = landmarks[:, INDEX[f"{side}_wrist"]], landmarks[:, INDEX[f"{side}_index"]]
        reach[side] = np.linalg.norm(index - wrist, axis=1)
        assert ((reach[side] > 6.0) & (reach[side] < 10.5)).all(), "knuckles a hand's breadth beyond the wrist"
    assert abs(reach["left"].mean() - reach["right"].mean()) < 0.5


def test_pinhole_projection_geometry():
    target = np.array([0.0, 100.0, 0.0])
    position = np.array([0.0, 100.0, -500.0])  # 5 m behind the target, looking along +z
    camera = Camera(position, look_at(position, target), focal=800.0, width=640, height=480)
    pixels, depth = camera.project(np.array([target, target + [100, 0, 0], target + [0, 50, 0], target + [0, 0, 500]]))
    np.testing.assert_allclose(pixels[0], [320, 240])
    np.testing.assert_allclose(depth, [500, 500, 500, 1000])
    # 1 m to the camera's right at 5 m: 800 * 100 / 500 = 160 px right; image y points down.
    rotation = camera.rotation
    assert np.allclose(rotation @ rotation.T, np.eye(3))
    assert abs(abs(pixels[1, 0] - 320) - 160) < 1e-6 and pixels[1, 1] == pytest.approx(240)
    assert pixels[2, 1] == pytest.approx(240 - 80), "a point 50 cm up is 80 px higher in the image"


def test_observed_views_look_like_mediapipe_output():
    clip = next(c for c in list_clips(["bandai"], {"dataset-1"}) if c.name == "dataset-1_bow_sad_001")
    landmarks, _ = clip_landmarks(clip)
    rng = np.random.default_rng(0)
    hips = 0.5 * (landmarks[:, INDEX["left_hip"]] + landmarks[:, INDEX["right_hip"]])
    camera = random_camera(rng, hips.mean(axis=0))
    raw = observe(landmarks, camera, rng)
    assert raw.shape == landmarks.shape[:2] + (4,) and np.isfinite(raw).all()
    assert (raw[..., 3] >= 0).all() and (raw[..., 3] <= 1).all()
    assert np.mean(raw[..., 3] > 0.5) > 0.7, "most joints are visible, some are not"
    assert np.mean(raw[..., 3] < 0.5) > 0.01


def test_circumplex_targets():
    assert valence_arousal("neutral") == (0.0, 0.0)
    happy, sad, angry, tired = (valence_arousal(c) for c in ("happy", "sad", "angry", "tired"))
    assert happy[0] > 0 and sad[0] < 0 and sad[1] < 0 and angry[1] > 0.6 and tired[1] < -0.6


def test_only_affective_styles_become_classes():
    clips = list_clips(["bandai"])
    assert {c.style for c in clips} <= {
        "normal",
        "happy",
        "sad",
        "angry",
        "proud",
        "not-confident",
        "tired",
        "exhausted",
        "active",
    }
    assert {c.label for c in clips} == {"neutral", "happy", "sad", "angry", "proud", "insecure", "tired", "energetic"}
    assert isinstance(clips[0], Clip) and len(clips) > 1400
