"""What `ros2 launch emotion_perception emotion_perception.launch.py ...` starts, as data.

The launch file is a thin shell around `plan()`, and so is `NodeProcess` (the demo, the
benchmark and the tests, where `launch` cannot be installed): both turn the same launch
arguments into the same command line, parameters, remaps and environment, so what the tests run
is what `ros2 launch` runs.

Precedence: the parameters file is the user's; a launch argument overrides it only when given.
`device:=cuda` wins over the file's device; leaving `device` out keeps the file's value (an empty
default means "not given", so the launch default can never silently replace the file).
ROS-free: a launch argument is a string, turned into the parameter's type from node_parameters.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from ..core.data_sources import REPOSITORY_ROOT, installed_share_paths
from .node_parameters import BY_NAME, Value, parameter_text

EXECUTABLE = "emotion_perception_node"
NODE_NAME = "emotion_perception"
DEFAULT_CAMERA_TOPIC = "/camera/image_raw"


def config_file(name: str) -> Path:
    """config/NAME from this checkout, else from the installed package's share directory."""
    for candidate in [REPOSITORY_ROOT / "config" / name, *installed_share_paths("emotion_perception", "config", name)]:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"config/{name} not found in the checkout or any AMENT_PREFIX_PATH share directory")


def params_file() -> Path:
    return config_file("emotion_perception.yaml")


def dds_profile() -> Path:
    return config_file("fastdds_large_images.xml")


@dataclass(frozen=True)
class LaunchArgument:
    name: str
    default: str
    description: str


# Launch arguments that override a node parameter when given (empty default: not given).
PARAMETER_ARGUMENTS = ("device", "pose_model", "compressed")
LAUNCH_ARGUMENTS: tuple[LaunchArgument, ...] = (
    LaunchArgument("camera_topic", DEFAULT_CAMERA_TOPIC,
                   "sensor_msgs/Image topic (its /compressed sibling when compressed is true)"),
    LaunchArgument("namespace", "", "namespace of the node"),
    LaunchArgument("params_file", "", "parameters file (empty: the package's config/emotion_perception.yaml)"),
    *(LaunchArgument(name, "", f"{BY_NAME[name].description} (empty: the parameters file's value)")
      for name in PARAMETER_ARGUMENTS),
)


@dataclass(frozen=True)
class NodeLaunch:
    params_file: Path
    parameters: dict[str, Value]  # only the launch arguments that were given, typed
    remaps: dict[str, str]
    namespace: str = ""
    environment: dict[str, str] = field(default_factory=dict)  # set for the node unless already set

    def command(self, extra_parameters: Optional[Mapping[str, str]] = None) -> list[str]:
        """The node's command line: what launch_ros runs for this plan. `extra_parameters` (tests,
        benchmark) stand for values a user would put in the parameters file."""
        command = [EXECUTABLE, "--ros-args", "-r", f"__node:={NODE_NAME}", "--params-file", str(self.params_file)]
        if self.namespace:
            command += ["-r", f"__ns:={self.namespace if self.namespace.startswith('/') else '/' + self.namespace}"]
        for source, target in self.remaps.items():
            command += ["-r", f"{source}:={target}"]
        for name, value in {**self.parameters, **(extra_parameters or {})}.items():
            command += ["-p", f"{name}:={parameter_text(value)}"]
        return command


def typed(name: str, text: str) -> Value:
    """A launch argument's text as its parameter's type (as ROS reads `-p name:=text`)."""
    default = BY_NAME[name].default
    if isinstance(default, bool):
        if text.lower() not in ("true", "false"):
            raise ValueError(f"launch argument {name} must be true or false, got '{text}'")
        return text.lower() == "true"
    return type(default)(text)


def plan(arguments: Mapping[str, str], environ: Mapping[str, str] = os.environ) -> NodeLaunch:
    """The node launch for these launch arguments (missing or empty ones: not given)."""
    unknown = set(arguments) - {a.name for a in LAUNCH_ARGUMENTS}
    if unknown:
        raise ValueError(f"unknown launch arguments: {', '.join(sorted(unknown))}")
    given = {name: value for name, value in arguments.items() if value != ""}
    topic = given.get("camera_topic", DEFAULT_CAMERA_TOPIC)
    environment = {} if "FASTDDS_DEFAULT_PROFILES_FILE" in environ else {
        "FASTDDS_DEFAULT_PROFILES_FILE": str(dds_profile())}
    return NodeLaunch(
        params_file=Path(given["params_file"]) if "params_file" in given else params_file(),
        parameters={name: typed(name, given[name]) for name in PARAMETER_ARGUMENTS if name in given},
        remaps={"image": topic, "image/compressed": topic + "/compressed"},
        namespace=given.get("namespace", ""),
        environment=environment,
    )
