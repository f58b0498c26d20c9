"""The design our peers use, for the benchmark to measure beside ours: the same pipeline run
inside the image subscription's callback (yolo_ros and hri_body_detect run inference there), with
the same parameters, QoS (keep last 1) and message. Not a node to deploy: no lifecycle, no
diagnostics, no fault handling; `python -m emotion_perception.bench.callback_node --ros-args ...`.
"""
from __future__ import annotations

import sys
from typing import Optional


def main(argv: Optional[list[str]] = None) -> int:
    import rclpy
    from emotion_perception_msgs.msg import FrameEmotions
    from rclpy.executors import ExternalShutdownException
    from rclpy.node import Node
    from sensor_msgs.msg import Image

    from ..ros.emotion_message import frame_emotions
    from ..ros.image_conversion import to_rgb8
    from ..ros.image_qos import image_qos
    from ..ros.node import ROS_KIT
    from ..ros.node_parameters import PARAMETERS, PIPELINE_PARAMETERS, pipeline_from
    from ..ros.parameter_descriptors import descriptor
    from ..ros.stamps import stamp_ns, stamp_seconds

    rclpy.init(args=argv if argv is not None else sys.argv)
    node = Node("emotion_perception")
    for spec in PARAMETERS:
        node.declare_parameter(spec.name, spec.default, descriptor(spec))
    pipeline = pipeline_from({name: node.get_parameter(name).value for name in PIPELINE_PARAMETERS})
    publisher = node.create_publisher(FrameEmotions, "emotions", 10)

    def on_image(message: Image) -> None:
        result = pipeline.process(to_rgb8(message), stamp_seconds(message.header))
        publisher.publish(frame_emotions(ROS_KIT, result, stamp_ns(message.header), message.header.frame_id,
                                         pipeline.window_length))

    reliable = node.get_parameter("image_reliability").value == "reliable"
    subscription = node.create_subscription(Image, "image", on_image, image_qos(reliable))
    node.get_logger().info(f"active: callback design, listening on {subscription.topic_name}")
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        pipeline.close()
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
