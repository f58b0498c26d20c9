"""The ROS 2 adapter: the lifecycle node, its parameter table, message building, reading images
off the wire (serialized CDR, cv_bridge-compatible conversion), and starting the node process
as the launch file does. Only `node.py` needs rclpy at import; the rest also serves the bag tools.
"""
