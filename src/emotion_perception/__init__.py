"""emotion_perception: body-motion emotion recognition for ROS 2.

The ROS-free core flows one way: image -> pose -> tracking -> windows -> normalize -> model ->
smoothing. Every door (ROS node, video CLI, bag tools, benchmark) drives the same `Pipeline`.
"""
__version__ = "0.1.0"
