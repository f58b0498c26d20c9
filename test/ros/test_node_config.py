"""Parameters, YAML and launch file agree; bad values are refused with a reason."""
from __future__ import annotations

import ast
import xml.etree.ElementTree as ElementTree

import pytest
import rclpy
import yaml
from rclpy.context import Context
from rclpy.parameter import Parameter

from emotion_perception.ros.node_parameters import BY_NAME, parameters_file
from ros_harness import DDS_PROFILE, PARAMS_FILE, REPO

ROS_OWN = {"use_sim_time", "start_type_description_service"}  # every rclpy node declares these
LAUNCH_FILE = REPO / "launch" / "emotion_perception.launch.py"


@pytest.fixture(scope="module")
def node():
    from emotion_perception.ros.node import EmotionPerceptionNode

    context = Context()
    rclpy.init(context=context, domain_id=231)
    created = EmotionPerceptionNode(context=context, parameter_overrides=[Parameter("autostart", value=False)])
    yield created
    created.destroy_node()
    rclpy.try_shutdown(context=context)


def yaml_parameters() -> dict:
    return yaml.safe_load(PARAMS_FILE.read_text())["/**"]["ros__parameters"]


def test_the_parameters_file_is_generated_from_the_parameter_table():
    assert PARAMS_FILE.read_text() == parameters_file(), "run `emotion-perception params --write`"


def test_yaml_lists_exactly_the_declared_parameters_with_their_defaults(node):
    declared = {name for name in node._parameters if name not in ROS_OWN}
    assert set(yaml_parameters()) == declared == set(BY_NAME)
    for name, value in yaml_parameters().items():
        assert value == BY_NAME[name].default, name
        assert node.describe_parameter(name).description == BY_NAME[name].description


@pytest.mark.parametrize("name, value, reason", [
    # ranges are enforced by rclpy from our descriptors, choices and types by our callback
    ("max_people", 100, "Max: 16"), ("smoothing", 0.0, "Min: 0.01"), ("pose_model", "huge", "one of lite"),
    ("image_reliability", "sometimes", "one of best_effort"), ("emotion_rate_hz", 0.0, "Min: 0.1"),
])
def test_bad_values_are_refused_with_a_reason(node, name, value, reason):
    result = node.set_parameters([Parameter(name, value=value)])[0]
    assert not result.successful and reason in result.reason
    assert node.get_parameter(name).value == BY_NAME[name].default


def test_only_safe_parameters_change_once_configured(node):
    from rclpy.lifecycle import TransitionCallbackReturn

    assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
    try:
        assert node.set_parameters([Parameter("smoothing", value=0.8)])[0].successful
        refused = node.set_parameters([Parameter("pose_model", value="lite")])[0]
        assert not refused.successful and "read on configure/activate" in refused.reason
    finally:
        node.trigger_cleanup()
    assert node.set_parameters([Parameter("pose_model", value="lite")])[0].successful, "fine while unconfigured"


def test_the_launch_file_is_a_thin_shell_around_the_launch_plan():
    text = LAUNCH_FILE.read_text()
    tree = ast.parse(text)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.module == "emotion_perception.ros.launch_plan" for alias in node.names}
    assert {"plan", "LAUNCH_ARGUMENTS"} <= imported
    assert not [name for name in BY_NAME if f'"{name}"' in text], "no parameter is named in the file"
    assert "emotion_perception_node = emotion_perception.ros.node_main:main" in (REPO / "setup.py").read_text()


def test_fast_dds_profile_enlarges_shared_memory():
    root = ElementTree.parse(DDS_PROFILE).getroot()
    ns = {"dds": "http://www.eprosima.com"}
    segment = root.find(".//dds:transport_descriptor[dds:type='SHM']/dds:segment_size", ns)
    assert segment is not None and int(segment.text) >= 16 * 1024 * 1024
