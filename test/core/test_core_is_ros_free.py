"""The perception core serves users without ROS: every core module imports in a process where
rclpy and the ROS message packages cannot be imported at all."""
from __future__ import annotations

import pkgutil
import subprocess
import sys

import emotion_perception.core as core

BLOCKED = ("rclpy", "sensor_msgs", "std_msgs", "builtin_interfaces", "diagnostic_msgs", "emotion_perception_msgs",
           "rosbags", "launch", "launch_ros")


def test_every_core_module_imports_where_ros_cannot():
    modules = [f"emotion_perception.core.{info.name}" for info in pkgutil.iter_modules(core.__path__)]
    assert len(modules) >= 10
    script = (
        "import importlib, sys\n"
        "class NoRos:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {BLOCKED!r}:\n"
        "            raise ImportError(f'{name} is ROS: the core must not import it')\n"
        "sys.meta_path.insert(0, NoRos())\n"
        f"for module in {modules!r}:\n"
        "    importlib.import_module(module)\n"
        "print('core imported', len(sys.modules))\n"
        "import rclpy\n"  # the blocker works: this line must fail
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "core imported" in done.stdout, done.stderr[-2000:]
    assert done.returncode != 0 and "rclpy is ROS" in done.stderr, "the blocker itself works"
