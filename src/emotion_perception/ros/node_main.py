"""`emotion_perception_node`: the lifecycle node spun on its own, and a clean exit on Ctrl-C."""
from __future__ import annotations

import os
import sys
from typing import Optional

from .heap import limit_arenas
from .node import EmotionPerceptionNode

_SHUTDOWN_WAIT_S = 60.0  # for the frame in flight at shutdown (a first tiled 1080p frame takes seconds)


def main(argv: Optional[list[str]] = None) -> int:
    import rclpy
    from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor

    limit_arenas()
    rclpy.init(args=argv if argv is not None else sys.argv)
    node = EmotionPerceptionNode()
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.release()
        # the interpreter exiting while the worker is inside MediaPipe aborts the process: wait for
        # the frame in flight, and if it never ends, leave without unwinding
        if not node.worker.finished(_SHUTDOWN_WAIT_S):
            node.get_logger().error(f"shutdown: the frame in flight was still being processed after "
                                    f"{_SHUTDOWN_WAIT_S:.0f} s")
            os._exit(0)
        executor.shutdown(timeout_sec=0.5)
        node.destroy_node()
        if rclpy.ok():
            rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
