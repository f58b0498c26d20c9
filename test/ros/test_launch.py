"""Launch arguments -> the node's command line, parameters, remaps and environment (launch_plan),
and the precedence between the parameters file and launch arguments, over DDS both ways."""
from __future__ import annotations

import pytest
import yaml
from rcl_interfaces.srv import GetParameters

from emotion_perception.ros.launch_plan import LAUNCH_ARGUMENTS, PARAMETER_ARGUMENTS, params_file, plan
from emotion_perception.ros.node_parameters import BY_NAME
from ros_harness import NodeProcess, Tester

pytestmark = pytest.mark.usefixtures("no_leftover_shared_memory")


def test_arguments_not_given_leave_the_parameters_file_alone():
    launch = plan({})
    assert launch.parameters == {} and launch.params_file == params_file()
    assert launch.remaps == {"image": "/camera/image_raw", "image/compressed": "/camera/image_raw/compressed"}
    assert plan({a.name: a.default for a in LAUNCH_ARGUMENTS}).parameters == {}, "defaults are 'not given'"
    assert set(PARAMETER_ARGUMENTS) <= set(BY_NAME)


def test_given_arguments_override_typed_and_land_on_the_command_line():
    launch = plan({"device": "cuda:1", "compressed": "true", "camera_topic": "/head/rgb", "namespace": "robot"})
    assert launch.parameters == {"device": "cuda:1", "compressed": True}
    command = launch.command({"tile_size": "256"})
    assert command[:2] == ["emotion_perception_node", "--ros-args"]
    assert command[command.index("image/compressed:=/head/rgb/compressed") - 1] == "-r"
    assert "__ns:=/robot" in command and "compressed:=true" in command and "tile_size:=256" in command
    with pytest.raises(ValueError, match="true or false"):
        plan({"compressed": "yes"})
    with pytest.raises(ValueError, match="unknown launch arguments: camera"):
        plan({"camera": "/x"})


def node_parameters(tester: Tester, names: list[str]) -> dict:
    client = tester.node.create_client(GetParameters, "/emotion_perception/get_parameters")
    assert tester.spin_until(client.service_is_ready, 60.0)
    future = client.call_async(GetParameters.Request(names=names))
    assert tester.spin_until(future.done, 30.0)
    return {name: value.string_value for name, value in zip(names, future.result().values)}


@pytest.mark.parametrize("arguments, expected", [
    ({}, {"pose_model": "lite", "device": "cpu"}),  # the file's values are kept
    ({"pose_model": "heavy", "device": "cuda"}, {"pose_model": "heavy", "device": "cuda"}),  # given: they win
])
def test_the_parameters_file_holds_unless_a_launch_argument_is_given(domain_id, tmp_path, arguments, expected):
    document = yaml.safe_load(params_file().read_text())
    document["/**"]["ros__parameters"].update(pose_model="lite", device="cpu", autostart=False)
    own_file = tmp_path / "params.yaml"
    own_file.write_text(yaml.safe_dump(document))
    node = NodeProcess(domain_id, tmp_path / "node.log", {"params_file": str(own_file), **arguments}, {})
    tester = Tester(domain_id)
    try:
        assert node_parameters(tester, ["pose_model", "device"]) == expected, node.output()
    finally:
        tester.close()
        node.interrupt()
