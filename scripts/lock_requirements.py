"""Writes requirements.lock from the venv: every installed distribution pinned, once.

`pip freeze` cannot be used: the ROS 2 wheels also install an .egg-info for their inner Python
package (ros-action-msgs carries action_msgs), and those names exist on no index.
"""
import sys
from importlib import metadata

pins = set()
for dist in metadata.distributions():
    if not str(getattr(dist, "_path", "")).endswith(".dist-info"):
        continue
    name = dist.metadata["Name"]
    if name.lower().replace("_", "-") in {"pip", "setuptools", "wheel", "emotion-perception"}:
        continue
    pins.add(f"{name}=={dist.version}")
sys.stdout.write("".join(line + "\n" for line in sorted(pins, key=str.lower)))
