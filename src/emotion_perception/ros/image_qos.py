"""The image subscription's QoS, one definition for the node and the benchmark's callback design,
so that their side-by-side compares the designs and not two subscriptions."""
from __future__ import annotations

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy


def image_qos(reliable: bool) -> QoSProfile:
    """Keep the last image only (a perception node wants the newest frame, never a backlog);
    reliability as the `image_reliability` parameter says (a best-effort subscription does not
    hear a reliable-only publisher's large frames, the README's transport table)."""
    return QoSProfile(depth=1, history=HistoryPolicy.KEEP_LAST, durability=DurabilityPolicy.VOLATILE,
                      reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT)
