"""Starts the emotion_perception lifecycle node (it configures and activates itself unless
`autostart: false` is set in the parameters file).

    ros2 launch emotion_perception emotion_perception.launch.py camera_topic:=/camera/image_raw

A thin shell: the arguments, and what they turn into (parameters file, overrides, remaps,
environment), come from emotion_perception.ros.launch_plan, which the tests run too. A launch
argument overrides the parameters file only when given.
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction, SetEnvironmentVariable
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import LifecycleNode

from emotion_perception.ros.launch_plan import EXECUTABLE, LAUNCH_ARGUMENTS, NODE_NAME, plan


def _node(context) -> list:
    launch = plan({argument.name: LaunchConfiguration(argument.name).perform(context) for argument in LAUNCH_ARGUMENTS})
    actions = [SetEnvironmentVariable(name, value) for name, value in launch.environment.items()]
    actions.append(LifecycleNode(
        package="emotion_perception",
        executable=EXECUTABLE,
        name=NODE_NAME,
        namespace=launch.namespace,
        output="screen",
        parameters=[str(launch.params_file), launch.parameters],
        remappings=list(launch.remaps.items()),
    ))
    return actions


def generate_launch_description() -> LaunchDescription:
    arguments = [DeclareLaunchArgument(a.name, default_value=a.default, description=a.description)
                 for a in LAUNCH_ARGUMENTS]
    return LaunchDescription(arguments + [OpaqueFunction(function=_node)])
