"""Diagnostics levels follow the recent window and recover; totals stay (in-process, fake clock)."""
from __future__ import annotations

from emotion_perception.core.stats import StreamStats
from emotion_perception.ros.health import ERROR, OK, WARN, judge


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stream(horizon_s: float = 10.0) -> tuple[StreamStats, FakeClock]:
    clock = FakeClock()
    return StreamStats(horizon_s=horizon_s, clock=clock), clock


def run_frames(stats: StreamStats, clock: FakeClock, count: int, latency_s: float = 0.05, fps: float = 10.0) -> None:
    for _ in range(count):
        clock.now += 1.0 / fps
        stats.record_frame(latency_s, 1)


def test_one_bad_frame_warns_then_the_level_recovers_and_the_total_stays():
    stats, clock = stream()
    run_frames(stats, clock, 10)
    assert judge(stats, 250.0).level == OK
    stats.record_bad_input("truncated")
    health = judge(stats, 250.0)
    assert health.level == WARN and "truncated x1" in health.message
    run_frames(stats, clock, 101)  # 10.1 s of good frames
    assert judge(stats, 250.0).level == OK
    assert stats.bad_inputs["truncated"] == 1, "the lifetime total is kept as a value"


def test_slow_frames_warn_until_they_leave_the_window():
    stats, clock = stream(horizon_s=5.0)
    run_frames(stats, clock, 3, latency_s=1.2)  # the first frames create the landmarkers
    health = judge(stats, 250.0)
    assert health.level == WARN and "p95 latency 1200 ms" in health.message
    run_frames(stats, clock, 60, latency_s=0.03)
    assert judge(stats, 250.0).level == OK and stats.latency_ms(95) < 31


def test_an_internal_error_is_error_while_recent_then_recovers():
    stats, clock = stream()
    stats.record_bad_input("truncated")
    stats.record_bad_input("internal_error")
    assert judge(stats, 250.0).level == ERROR, "worst first"
    clock.now += 10.5
    assert judge(stats, 250.0).level == OK
    assert stats.bad_inputs == {"truncated": 1, "internal_error": 1}


def test_dropped_and_stale_frames_are_counted_and_mixed_sources_or_a_device_note_warn():
    stats, clock = stream()
    for _ in range(3):
        stats.record_dropped()
    stats.record_stale()
    assert (stats.dropped, stats.stale) == (3, 1) and judge(stats, 250.0).level == OK
    mixed = judge(stats, 250.0, mixed_sources=True, image_publishers=2)
    assert mixed.level == WARN and "2 publishers" in mixed.message
    assert judge(stats, 250.0, device_note="cuda unavailable: running on cpu").level == WARN
    run_frames(stats, clock, 20, fps=20.0)
    assert abs(stats.rate_hz() - 20.0) < 0.5
