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
# hri_msgs (ROS4HRI, REP-155) has no wheel: it is built from ../shared/third_party beside our
# messages, linked at build time and never committed. Without it the node runs; only its `hri`
# output is unavailable (configure says so).
HRI_MSGS="${EMOTION_THIRD_PARTY_DIR:-$ROOT/../shared/third_party}/hri_msgs"
if [ -f "$HRI_MSGS/package.xml" ]; then
  ln -sfn "$(cd "$HRI_MSGS" && pwd)" ros2_ws/src/hri_msgs
else
  echo "build_ws: no hri_msgs at $HRI_MSGS; building without the REP-155 output" >&2
  rm -f ros2_ws/src/hri_msgs
fi
cd ros2_ws
colcon --log-base log build --symlink-install --base-paths src \
  --cmake-args -DBUILD_TESTING=OFF -DPython3_EXECUTABLE="$VIRTUAL_ENV/bin/python" \
  --event-handlers console_direct- "$@"
