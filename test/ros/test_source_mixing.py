"""Two sources interleaved on one topic are told from one camera that changes its mind."""
from __future__ import annotations

from emotion_perception.ros.source_mixing import RECENT_S, SourceMixingDetector


def test_interleaved_sources_alternate_and_a_resolution_change_does_not():
    detector = SourceMixingDetector()
    one_camera = [("camera", 640, 480)] * 5 + [("camera", 1280, 720)] * 5
    assert not any(detector.observe(s, now=i) for i, s in enumerate(one_camera))
    two_cameras = [("front", 640, 480), ("back", 640, 480)] * 4
    seen = [detector.observe(s, now=20 + i) for i, s in enumerate(two_cameras)]
    # six returns (from the third frame on); the first could be one odd frame, the rest repeat it
    assert sum(seen) == 5 and detector.alternations == 5
    assert detector.recent(now=27 + RECENT_S) and not detector.recent(now=27.5 + RECENT_S)


def test_one_odd_frame_between_normal_frames_is_not_alternation():
    detector = SourceMixingDetector()
    stream = [("camera", 640, 480)] * 5 + [("camera", 1, 1)] + [("camera", 640, 480)] * 5
    assert not any(detector.observe(s, now=i * 0.1) for i, s in enumerate(stream))
    assert detector.alternations == 0
    # two cameras at different rates (A A B A A B ...) still alternate
    uneven = [("front", 640, 480), ("front", 640, 480), ("back", 640, 480)] * 4
    assert sum(detector.observe(s, now=10 + i * 0.1) for i, s in enumerate(uneven)) >= 2
