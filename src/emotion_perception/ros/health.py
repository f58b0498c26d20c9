"""The node's /diagnostics level and message, judged on the recent window only (StreamStats).

ROS-free (levels as the ints DiagnosticStatus uses, 0 OK, 1 WARN, 2 ERROR), so every rule,
recovery included, is tested in-process with a fake clock. Worst first: an internal error is
ERROR; slow processing, bad input, a device fallback and mixed sources are WARN; the message
names the worst cause.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.stats import StreamStats

OK, WARN, ERROR = 0, 1, 2


@dataclass(frozen=True)
class Health:
    level: int
    message: str


def judge(stats: StreamStats, latency_warn_ms: float, device_note: str = "", mixed_sources: bool = False,
          image_publishers: int = 0, input_problem: str = "") -> Health:
    recent = stats.recent_bad_inputs()
    window = f"in the last {stats.horizon_s:g} s"
    if recent.get("internal_error"):
        return Health(ERROR, f"internal errors while processing frames {window} (see the log)")
    if input_problem:  # the node hears nothing, and says why (input_watch.py)
        return Health(WARN, input_problem)
    if mixed_sources:
        return Health(WARN, f"frames from several sources on one image topic ({image_publishers} publishers): "
                            "check the remappings")
    if device_note:
        return Health(WARN, device_note)
    p95 = stats.latency_ms(95)
    if p95 > latency_warn_ms:
        return Health(WARN, f"p95 latency {p95:.0f} ms over {latency_warn_ms:.0f} ms {window}")
    if recent:
        kinds = ", ".join(f"{kind} x{count}" for kind, count in sorted(recent.items()))
        return Health(WARN, f"bad inputs {window}: {kinds}")
    return Health(OK, "running")
