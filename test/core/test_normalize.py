"""The shared normalization: invariances, mirroring, and that nothing non-finite gets through."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from emotion_perception.core.landmarks import INDEX, MIRROR_PERMUTATION, NUM_LANDMARKS
from emotion_perception.core.normalize import (
    FEATURE_CHANNELS,
    mirror_features,
    mirror_raw,
    normalize_window,
    resample_window,
)

T = 12
finite = st.floats(-2000, 2000, allow_nan=False, width=32)


def standing_person(frames: int = T, seed: int = 0) -> np.ndarray:
    """A plausible skeleton (pixels) swaying over time, all joints visible."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(-60, 60, size=(NUM_LANDMARKS, 2))
    base[[INDEX["left_shoulder"], INDEX["right_shoulder"]]] = [[-40, -150], [40, -150]]
    base[[INDEX["left_hip"], INDEX["right_hip"]]] = [[-30, 0], [30, 0]]
    raw = np.zeros((frames, NUM_LANDMARKS, 4))
    for t in range(frames):
        raw[t, :, :2] = base + [320 + 5 * t, 240] + rng.normal(0, 2, size=(NUM_LANDMARKS, 2))
    raw[..., 2] = rng.normal(0, 10, size=raw.shape[:2])
    raw[..., 3] = rng.uniform(0.6, 1.0, size=raw.shape[:2])
    return raw


@settings(max_examples=60, deadline=None)
@given(dx=finite, dy=finite, scale=st.floats(0.05, 20), seed=st.integers(0, 10_000))
def test_translation_and_scale_do_not_change_the_features(dx, dy, scale, seed):
    raw = standing_person(seed=seed)
    moved = raw.copy()
    moved[..., :2] = raw[..., :2] * scale + [dx, dy]
    a, valid_a = normalize_window(raw)
    b, valid_b = normalize_window(moved)
    assert (valid_a == valid_b).all() and valid_a.all()
    np.testing.assert_allclose(a, b, atol=1e-4)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), width=st.floats(100, 4000))
def test_mirrored_image_gives_the_mirrored_features(seed, width):
    raw = standing_person(seed=seed)
    features, _ = normalize_window(raw)
    flipped, _ = normalize_window(mirror_raw(raw, width))
    np.testing.assert_allclose(flipped, mirror_features(features), atol=1e-4)
    np.testing.assert_array_equal(mirror_features(mirror_features(features)), features)


def test_mirroring_swaps_left_and_right_joints():
    assert MIRROR_PERMUTATION[INDEX["left_wrist"]] == INDEX["right_wrist"]
    assert MIRROR_PERMUTATION[INDEX["nose"]] == INDEX["nose"]
    assert sorted(MIRROR_PERMUTATION) == list(range(NUM_LANDMARKS))


wild_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32), st.just(np.nan), st.just(np.inf), st.just(-np.inf)
)


@settings(max_examples=80, deadline=None)
@given(arrays(np.float32, (T, NUM_LANDMARKS, 4), elements=wild_values))
def test_nothing_non_finite_ever_reaches_the_model(raw):
    features, valid = normalize_window(raw)
    assert np.isfinite(features).all()
    assert features.shape == (T, NUM_LANDMARKS, len(FEATURE_CHANNELS))
    assert valid.dtype == bool


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), data=st.data())
def test_missing_joints_are_zeroed_and_masked(seed, data):
    raw = standing_person(seed=seed)
    t = data.draw(st.integers(0, T - 1))
    joint = data.draw(st.sampled_from([INDEX["left_wrist"], INDEX["nose"], INDEX["right_ankle"]]))
    how = data.draw(st.sampled_from(["nan", "inf", "invisible"]))
    if how == "invisible":
        raw[t, joint, 3] = 0.1
    else:
        raw[t, joint, 0] = np.nan if how == "nan" else np.inf
    features, valid = normalize_window(raw)
    assert (features[t, joint] == 0).all(), "a missing joint must be zero in every channel"
    present = features[..., 3]
    assert present.sum() == T * NUM_LANDMARKS - 1
    assert valid.all(), "a missing limb joint does not invalidate the frame"


def test_frames_without_a_torso_are_invalid_and_a_window_without_any_is_all_zero():
    raw = standing_person()
    raw[3, INDEX["left_hip"], 3] = 0.0
    features, valid = normalize_window(raw)
    assert not valid[3] and valid.sum() == T - 1
    raw[:, INDEX["right_shoulder"], 3] = 0.0
    features, valid = normalize_window(raw)
    assert not valid.any() and not features.any()


def test_torso_length_is_the_unit_and_mid_hip_the_origin():
    raw = standing_person()
    features, _ = normalize_window(raw)
    mid_hip = 0.5 * (features[:, INDEX["left_hip"], :2] + features[:, INDEX["right_hip"], :2])
    mid_shoulder = 0.5 * (features[:, INDEX["left_shoulder"], :2] + features[:, INDEX["right_shoulder"], :2])
    assert abs(np.median(np.linalg.norm(mid_shoulder - mid_hip, axis=1)) - 1.0) < 0.05
    assert np.abs(np.median(mid_hip, axis=0)).max() < 0.05


def test_resampling_linear_motion_from_30_to_15_fps_is_exact():
    stamps = np.arange(60) / 30.0
    raw = np.zeros((60, NUM_LANDMARKS, 4))
    raw[..., 0] = 100 + 30 * stamps[:, None]  # 30 px/s
    raw[..., 1] = 50.0
    raw[..., 3] = 1.0
    out = resample_window(stamps, raw, fps=15, length=20)
    expected_t = stamps[-1] - np.arange(19, -1, -1) / 15
    np.testing.assert_allclose(out[:, 0, 0], 100 + 30 * expected_t, atol=1e-9)


def test_resampling_never_invents_joints_across_long_gaps_or_before_the_first_frame():
    stamps = np.array([0.0, 0.1, 1.0, 1.1])
    raw = np.zeros((4, NUM_LANDMARKS, 4))
    raw[..., :2] = 10.0
    raw[..., 3] = 1.0
    out = resample_window(stamps, raw, fps=10, length=15)
    seen = out[..., 3] > 0
    assert not seen[:3].any(), "instants before the first frame (t < 0) must stay missing"
    assert seen[3].all(), "t = 0 is exactly the first frame"
    assert not seen[8, 0], "0.5 s inside a 0.9 s gap is not within one model step of a frame"
    assert seen[-1].all() and seen[-2].all()
    assert np.isnan(out[~seen][..., 0]).all()


def test_resampling_rejects_unordered_stamps():
    import pytest

    with pytest.raises(ValueError, match="increasing"):
        resample_window(np.array([0.0, 0.0]), np.zeros((2, NUM_LANDMARKS, 4)), fps=10, length=4)
