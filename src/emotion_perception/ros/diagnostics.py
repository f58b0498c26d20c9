"""The node's /diagnostics status: one DiagnosticStatus a monitor can judge the node by.

While active, the level comes from the stream's recent figures (health.judge); inactive, it says
why: ERROR when an activation failed (a node that tried to perceive and cannot is dead to its
robot), WARN when nobody has activated it yet.
"""
from __future__ import annotations

from dataclasses import dataclass

from diagnostic_msgs.msg import DiagnosticStatus, KeyValue

from ..core.stats import StreamStats
from .health import ERROR, WARN, Health, judge
from .source_mixing import SourceMixingDetector


@dataclass(frozen=True)
class NodeState:
    """What the node knows beside its stream figures."""

    active: bool
    last_error: str  # why the node is not perceiving (empty while active or never tried)
    device: str
    device_note: str
    image_publishers: int
    activation_failures: int
    frame_size_evictions: int
    model_id: str
    latency_warn_ms: float
    input_problem: str = ""  # why no image arrives (input_watch.py); empty once images flow


def pipeline_status(stats: StreamStats, sources: SourceMixingDetector, state: NodeState) -> DiagnosticStatus:
    if state.active:
        health = judge(stats, state.latency_warn_ms, state.device_note, sources.recent(horizon_s=stats.horizon_s),
                       state.image_publishers, state.input_problem)
    elif state.last_error:
        health = Health(ERROR, f"inactive: {state.last_error}")
    else:
        health = Health(WARN, "inactive: not processing images (activate the node)")
    status = DiagnosticStatus(name="emotion_perception: pipeline", hardware_id=state.device)
    status.level, status.message = bytes([health.level]), health.message  # levels are bytes in rclpy
    values = {
        "lifecycle_state": "active" if state.active else "inactive",
        "rate_hz": f"{stats.rate_hz():.2f}",
        "latency_p50_ms": f"{stats.latency_ms(50):.1f}",
        "latency_p95_ms": f"{stats.latency_ms(95):.1f}",
        "people": str(stats.people),
        "frames_processed": str(stats.processed),
        "frames_dropped": str(stats.dropped),
        "frames_stale": str(stats.stale),
        "clock_resets": str(stats.clock_resets),
        "device": state.device,
        "image_publishers": str(state.image_publishers),
        "activation_failures": str(state.activation_failures),
        "source_alternations": str(sources.alternations),
        "frame_size_evictions": str(state.frame_size_evictions),
        "model_id": state.model_id,
    }
    for kind, count in sorted(stats.bad_inputs.items()):
        values[f"bad_input.{kind}"] = str(count)
    status.values = [KeyValue(key=k, value=v) for k, v in values.items()]
    return status
