"""The one landmark normalization, shared by training and serving.

Training (projected motion capture) and serving (live MediaPipe landmarks) both call
`resample_window` then `normalize_window`; `NORMALIZATION_VERSION` is embedded in every exported
model and checked at load, so a model can never be fed features it was not trained on.

Raw landmarks are [..., 33, 4]: x, y in pixels (y down), z (ignored: MediaPipe's depth is too
noisy to be a feature, and projected mocap has no counterpart), visibility in [0, 1].

Normalization is per *window*, not per frame: the window is centered on the median mid-hip point
and scaled by the median torso length (mid-shoulder to mid-hip). Translation and scale of the
whole window drop out, while the motion *within* the window (how fast someone walks, how far the
hips sway) is kept in torso lengths: that motion is the emotional signal.

Missing joints (non-finite, or visibility below the threshold) are zeroed in every channel and
marked absent in the `present` channel, so NaN and inf can never reach the model.

Mirroring: MediaPipe names joints by the person's body side, so a horizontally flipped image
shows a mirror-image person. `normalize_window(mirror_raw(w))` equals
`mirror_features(normalize_window(w))`: the features of a flipped image are the flipped
features. Training uses `mirror_features` (with left/right labels swapped) as augmentation.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .landmarks import LEFT_HIP, LEFT_SHOULDER, MIRROR_PERMUTATION, NUM_LANDMARKS, RIGHT_HIP, RIGHT_SHOULDER

NORMALIZATION_VERSION = "ep-norm-1"
FEATURE_CHANNELS = ("x", "y", "visibility", "present")
NUM_CHANNELS = len(FEATURE_CHANNELS)
DEFAULT_VISIBILITY_THRESHOLD = 0.5
# A joint further than this many torso lengths from the hips is an estimation failure, not a pose.
COORDINATE_LIMIT = 6.0
_MIN_TORSO_PIXELS = 1e-3
# A stamp within this of an instant counts as exactly on it (float error in k * step sums).
STAMP_TOLERANCE_S = 1e-6
# Longest gap between two camera frames that interpolation bridges (covers a 5 fps camera with a
# dropped frame, not a person lost for half a second).
MAX_BRIDGED_GAP_S = 0.5


def presence_mask(raw: np.ndarray, visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD) -> np.ndarray:
    """True where a joint is usable: finite coordinates and visibility at or above the threshold."""
    finite = np.isfinite(raw[..., 0]) & np.isfinite(raw[..., 1]) & np.isfinite(raw[..., 3])
    with np.errstate(invalid="ignore"):
        return finite & (np.nan_to_num(raw[..., 3], nan=0.0) >= visibility_threshold)


def torso_mask(present: np.ndarray) -> np.ndarray:
    """Frames whose torso (both shoulders and both hips) is usable: the frames that count as valid."""
    return present[..., LEFT_SHOULDER] & present[..., RIGHT_SHOULDER] & present[..., LEFT_HIP] & present[..., RIGHT_HIP]


def normalize_window(
    raw: np.ndarray, visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD
) -> tuple[np.ndarray, np.ndarray]:
    """[T, 33, 4] raw landmarks -> ([T, 33, 4] features x, y, visibility, present; [T] valid frames).

    A window with no valid frame (or a degenerate torso) comes back all zeros with no valid frame.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim != 3 or raw.shape[1:] != (NUM_LANDMARKS, 4):
        raise ValueError(f"expected raw landmarks of shape [T, {NUM_LANDMARKS}, 4], got {raw.shape}")
    present = presence_mask(raw, visibility_threshold)
    valid = torso_mask(present)
    features = np.zeros(raw.shape[:2] + (NUM_CHANNELS,), dtype=np.float32)
    if not valid.any():
        return features, valid
    xy = np.where(present[..., None], raw[..., :2], 0.0)
    mid_hip = 0.5 * (xy[valid, LEFT_HIP] + xy[valid, RIGHT_HIP])
    mid_shoulder = 0.5 * (xy[valid, LEFT_SHOULDER] + xy[valid, RIGHT_SHOULDER])
    center = np.median(mid_hip, axis=0)
    scale = float(np.median(np.linalg.norm(mid_shoulder - mid_hip, axis=1)))
    if not np.isfinite(scale) or scale < _MIN_TORSO_PIXELS:
        return features, np.zeros_like(valid)
    normalized = np.clip((xy - center) / scale, -COORDINATE_LIMIT, COORDINATE_LIMIT)
    features[..., :2] = np.where(present[..., None], normalized, 0.0)
    features[..., 2] = np.where(present, np.clip(raw[..., 3], 0.0, 1.0), 0.0)
    features[..., 3] = present
    return features, valid


def mirror_features(features: np.ndarray) -> np.ndarray:
    """Features of the mirror-image person: x negated, left and right joints swapped."""
    mirrored = features[..., MIRROR_PERMUTATION, :].copy()
    mirrored[..., 0] *= -1.0
    mirrored[..., 0] += 0.0  # no negative zeros: mirrored features compare equal to fresh ones
    return mirrored


def mirror_raw(raw: np.ndarray, image_width: float) -> np.ndarray:
    """Raw landmarks as MediaPipe reports them on the horizontally flipped image."""
    mirrored = np.asarray(raw, dtype=np.float64)[..., MIRROR_PERMUTATION, :].copy()
    mirrored[..., 0] = image_width - mirrored[..., 0]
    return mirrored


def resample_window(
    stamps: np.ndarray,
    raw: np.ndarray,
    fps: float,
    length: int,
    end_stamp: Optional[float] = None,
    visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD,
) -> np.ndarray:
    """Resamples timestamped raw frames onto `length` instants spaced 1/fps apart, ending at
    `end_stamp` (default: the last stamp), so a 30 fps camera and a 12 fps camera give the model
    the same time base.

    Each joint is interpolated linearly between the two neighbouring frames where both see it and
    they are at most `MAX_BRIDGED_GAP_S` apart (a longer gap is a lost person: inventing motion
    across it would be worse than admitting it is missing); where only one does and it lies within
    one model step of the instant, its value is held; otherwise the joint is missing (NaN,
    visibility 0). Instants before the first frame are missing.
    """
    stamps = np.asarray(stamps, dtype=np.float64)
    raw = np.asarray(raw, dtype=np.float64)
    if stamps.ndim != 1 or len(stamps) != len(raw) or len(stamps) == 0:
        raise ValueError("resample_window needs one stamp per frame and at least one frame")
    if np.any(np.diff(stamps) <= 0):
        raise ValueError("resample_window needs strictly increasing stamps")
    count = len(stamps)
    end = stamps[-1] if end_stamp is None else float(end_stamp)
    step = 1.0 / fps
    targets = end - step * np.arange(length - 1, -1, -1)
    present = presence_mask(raw, visibility_threshold)
    # Every instant at once (the node runs this per person per frame). `hi`: the first frame at or
    # after the instant, where a frame within a microsecond counts as exactly on it (7 steps of
    # 0.1 s back from 0.7 s must land on the frame at 0.0 s, not just before it); `lo`: that frame
    # when exact, else the one before. Indices are clamped for lookups and masked for meaning.
    hi = np.searchsorted(stamps, targets - STAMP_TOLERANCE_S, side="left")
    hi_at = np.minimum(hi, count - 1)
    exact = (hi < count) & (np.abs(stamps[hi_at] - targets) <= STAMP_TOLERANCE_S)
    lo = np.where(exact, hi, hi - 1)
    lo_at = np.maximum(lo, 0)
    bridged = ~exact & (lo >= 0) & (hi < count) & (stamps[hi_at] - stamps[lo_at] <= MAX_BRIDGED_GAP_S)
    span = np.where(bridged, stamps[hi_at] - stamps[lo_at], 1.0)
    weight = np.where(bridged, (targets - stamps[lo_at]) / span, 0.0)[:, None, None]
    blended = (1.0 - weight) * raw[lo_at] + weight * raw[hi_at]
    filled = np.where(exact[:, None], present[lo_at], bridged[:, None] & present[lo_at] & present[hi_at])
    out = np.where(filled[..., None], np.where(exact[:, None, None], raw[lo_at], blended), np.nan)
    # Joints still empty take the nearer neighbour's value (then the other's) within one step;
    # never before the first frame: no extrapolating backwards in time.
    between = ~exact & (lo >= 0)
    hi_nearer = np.abs(stamps[hi_at] - targets) < np.abs(stamps[lo_at] - targets)
    for side in (np.where(hi_nearer, hi, lo), np.where(hi_nearer, lo, hi)):
        side_at = np.minimum(side, count - 1)
        near = between & (side < count) & (np.abs(stamps[side_at] - targets) <= step)
        hold = near[:, None] & present[side_at] & ~filled
        out = np.where(hold[..., None], raw[side_at], out)
        filled |= hold
    out[..., 3] = np.where(filled, out[..., 3], 0.0)
    return out
