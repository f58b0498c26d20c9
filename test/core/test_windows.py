"""Per-track window buffers: when a window is due, what it holds, and bounded memory."""
from __future__ import annotations

import numpy as np
import pytest
from test_normalize import standing_person

from emotion_perception.core.windows import WindowBuffers, WindowConfig


def feed(buffers: WindowBuffers, track_id: int, frames: np.ndarray, fps: float, start: float = 0.0):
    emitted = []
    for index, raw in enumerate(frames):
        buffers.push(track_id, start + index / fps, raw)
        emitted.append(buffers.pop_ready([track_id]))
    return emitted


def test_a_window_is_emitted_only_once_enough_valid_frames_span_it():
    config = WindowConfig(length=10, fps=10.0, min_valid_frames=8)
    buffers = WindowBuffers(config)
    emitted = feed(buffers, 7, standing_person(frames=20), fps=10.0)
    first = next(i for i, ready in enumerate(emitted) if ready)
    assert first == 7, "8 valid resampled frames need 8 camera frames at the model's own rate"
    window = emitted[first][0]
    assert window.track_id == 7 and window.features.shape == (10, 33, 4) and window.valid_frames == 8
    assert all(len(ready) == 1 for ready in emitted[first:])


@pytest.mark.parametrize("fps", [15.0, 30.0, 60.0])
def test_a_person_is_judged_at_the_rate_in_source_time_whatever_the_camera_rate(fps):
    buffers = WindowBuffers(WindowConfig(length=10, fps=10.0, min_valid_frames=5), rate_hz=5.0)
    emitted = feed(buffers, 1, standing_person(frames=int(4 * fps)), fps=fps)
    judged_at = np.array([i / fps for i, ready in enumerate(emitted) if ready])
    np.testing.assert_allclose(np.diff(judged_at), 0.2, atol=1e-9)


def test_camera_jitter_does_not_stretch_the_cadence():
    rng = np.random.default_rng(0)
    frames = standing_person(frames=300)
    stamps = np.arange(300) / 30.0 + rng.uniform(-0.004, 0.004, 300)  # 10 s at 30 fps, +-4 ms
    buffers = WindowBuffers(WindowConfig(length=10, fps=10.0, min_valid_frames=5), rate_hz=5.0)
    judged = []
    for stamp, raw in zip(stamps, frames):
        buffers.push(1, stamp, raw)
        judged += [stamp] * len(buffers.pop_ready([1]))
    assert len(judged) == int((stamps[-1] - judged[0]) / 0.2) + 1, "one judgement per 0.2 s, none lost to jitter"
    assert np.all(np.diff(judged) > 0.2 - 1 / 30 - 0.008), "never two in one period"


def test_a_new_rate_acts_at_once():
    buffers = WindowBuffers(WindowConfig(length=10, fps=10.0, min_valid_frames=5), rate_hz=0.1)
    emitted = feed(buffers, 1, standing_person(frames=30), fps=10.0)
    assert sum(map(len, emitted)) == 1, "one judgement in 3 s at 0.1 Hz"
    buffers.rate_hz = 5.0
    assert feed(buffers, 1, standing_person(frames=1), fps=10.0, start=3.0)[0], "due again at once"
    with pytest.raises(ValueError, match="above 0 Hz"):
        buffers.rate_hz = 0.0


def test_a_faster_camera_fills_the_same_time_span():
    config = WindowConfig(length=10, fps=10.0, min_valid_frames=10)
    buffers = WindowBuffers(config)
    emitted = feed(buffers, 1, standing_person(frames=40), fps=30.0)
    first = next(i for i, ready in enumerate(emitted) if ready)
    assert first == 27, "0.9 s of history at 30 fps"


def test_history_stays_bounded_on_a_long_stream():
    buffers = WindowBuffers(WindowConfig(length=10, fps=10.0, min_valid_frames=5))
    person = standing_person(frames=1)[0]
    for index in range(2000):
        buffers.push(1, index / 30.0, person)
    assert len(buffers._tracks[1].frames) <= 10 * 3 + 4


def test_dropped_tracks_are_forgotten():
    buffers = WindowBuffers(WindowConfig(length=4, fps=10.0, min_valid_frames=2))
    feed(buffers, 1, standing_person(frames=5), fps=10.0)
    buffers.drop([1])
    assert len(buffers) == 0 and buffers.valid_frames(1) == 0


@pytest.mark.parametrize("bad", [dict(length=1), dict(fps=0), dict(min_valid_frames=40)])
def test_invalid_window_configs_are_rejected(bad):
    with pytest.raises(ValueError):
        WindowConfig(**bad)


def test_training_windows_from_a_recording_equal_the_live_windows():
    from emotion_perception.core.windows import sliding_windows

    config = WindowConfig(length=10, fps=10.0, min_valid_frames=8)
    frames = standing_person(frames=25)
    stamps = np.arange(25) / 10.0
    live = [w[0].features for w in feed(WindowBuffers(config), 1, frames, fps=10.0) if w]
    recorded = sliding_windows(stamps, frames, config, stride_s=0.1)
    # Live emits from frame 7 (8 of 10 instants seen), partly filled windows included: training
    # data must contain those warm-up windows too.
    assert len(live) == 18 and len(recorded) == 18
    np.testing.assert_allclose(np.stack(live), recorded, atol=1e-6)  # live buffers hold float32
    assert recorded[0, :2, :, 3].max() == 0.0  # the instants before the person appeared are missing
