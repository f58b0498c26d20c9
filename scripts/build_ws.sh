#!/usr/bin/env bash
# Builds ros2_ws (the message package and this package) with colcon against the ROS 2 Kilted
# PyPI wheels in .venv. Two fixes the wheels need (see ../shared/ENVIRONMENT.md): AMENT_PREFIX_PATH
# must point at the venv, and the wheels' rosidl Python export files carry the wheel builder's
# include paths, which we rewrite to this venv's (idempotent: nothing matches the second time).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source .venv/bin/activate
export AMENT_PREFIX_PATH="$VIRTUAL_ENV"
py_include=$(python -c "import sysconfig; print(sysconfig.get_paths()['include'])")
np_include=$(python -c "import numpy; print(numpy.get_include())")
{ grep -l '/opt/python/' "$VIRTUAL_ENV"/share/*/cmake/*__rosidl_generator_pyExport.cmake 2>/dev/null || true; } | while read -r f; do
  sed -i -E "s#INTERFACE_INCLUDE_DIRECTORIES \"/opt/python/[^\"]*\"#INTERFACE_INCLUDE_DIRECTORIES \"${py_include};${np_include}\"#" "$f"
done
cd ros2_ws
colcon --log-base log build --symlink-install --base-paths src \
  --cmake-args -DBUILD_TESTING=OFF -DPython3_EXECUTABLE="$VIRTUAL_ENV/bin/python" \
  --event-handlers console_direct- "$@"
