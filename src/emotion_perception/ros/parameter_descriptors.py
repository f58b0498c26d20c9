"""The parameter table (node_parameters.PARAMETERS) as rclpy descriptors, so that `ros2 param
describe` shows each parameter's description, type and bounds, and ROS rejects out-of-range
values before our callback sees them."""
from __future__ import annotations

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor, ParameterType

from .node_parameters import ParameterSpec

_TYPES = {bool: ParameterType.PARAMETER_BOOL, int: ParameterType.PARAMETER_INTEGER,
          float: ParameterType.PARAMETER_DOUBLE, str: ParameterType.PARAMETER_STRING}


def descriptor(spec: ParameterSpec) -> ParameterDescriptor:
    described = ParameterDescriptor(type=_TYPES[type(spec.default)], description=spec.description, read_only=False)
    if spec.choices:
        described.additional_constraints = "one of: " + ", ".join(spec.choices)
    if spec.minimum is not None and isinstance(spec.default, int) and not isinstance(spec.default, bool):
        described.integer_range = [IntegerRange(from_value=int(spec.minimum), to_value=int(spec.maximum), step=1)]
    elif spec.minimum is not None:
        described.floating_point_range = [FloatingPointRange(from_value=float(spec.minimum),
                                                             to_value=float(spec.maximum), step=0.0)]
    return described
