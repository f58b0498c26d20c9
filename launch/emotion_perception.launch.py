"""Starts the emotion_perception lifecycle node (it configures and activates itself unless
`autostart:=false` is set in the parameters file).

    ros2 launch emotion_perception emotion_perception.launch.py camera_topic:=/camera/image_raw
"""
import os

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import LifecycleNode
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare


def generate_launch_description() -> LaunchDescription:
    share = FindPackageShare("emotion_perception")
    arguments = [
        DeclareLaunchArgument(
            "camera_topic",
            default_value="/camera/image_raw",
            description="sensor_msgs/Image topic (its /compressed sibling when compressed:=true)",
        ),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of the node"),
        DeclareLaunchArgument(
            "params_file",
            default_value=PathJoinSubstitution([share, "config", "emotion_perception.yaml"]),
            description="parameters file",
        ),
        DeclareLaunchArgument("device", default_value="auto", description="auto, cpu, cuda or cuda:N"),
        DeclareLaunchArgument("pose_model", default_value="full", description="lite, full or heavy"),
        DeclareLaunchArgument("compressed", default_value="false", description="subscribe to CompressedImage"),
    ]
    camera_topic = LaunchConfiguration("camera_topic")
    node = LifecycleNode(
        package="emotion_perception",
        executable="emotion_perception_node",
        name="emotion_perception",
        namespace=LaunchConfiguration("namespace"),
        output="screen",
        parameters=[
            LaunchConfiguration("params_file"),
            {
                "device": LaunchConfiguration("device"),
                "pose_model": LaunchConfiguration("pose_model"),
                "compressed": ParameterValue(LaunchConfiguration("compressed"), value_type=bool),
            },
        ],
        remappings=[("image", camera_topic), ("image/compressed", [camera_topic, "/compressed"])],
    )
    actions = []
    if "FASTDDS_DEFAULT_PROFILES_FILE" not in os.environ:
        actions.append(
            SetEnvironmentVariable(
                "FASTDDS_DEFAULT_PROFILES_FILE", PathJoinSubstitution([share, "config", "fastdds_large_images.xml"])
            )
        )
    return LaunchDescription(arguments + actions + [node])
