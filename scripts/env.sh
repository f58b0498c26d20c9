# Source me: the environment every command of this project runs in (venv, ROS 2 wheels, our
# built workspace, DDS kept on this host with our Fast DDS profile).
_ep_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$_ep_root/.venv/bin/activate"
export AMENT_PREFIX_PATH="$VIRTUAL_ENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
if [ -f "$_ep_root/ros2_ws/install/setup.bash" ]; then
  case $- in *u*) _ep_nounset=1; set +u;; *) _ep_nounset=0;; esac  # colcon's scripts read unset vars
  source "$_ep_root/ros2_ws/install/setup.bash"
  [ "$_ep_nounset" = 1 ] && set -u
  unset _ep_nounset
fi
export ROS_AUTOMATIC_DISCOVERY_RANGE="${ROS_AUTOMATIC_DISCOVERY_RANGE:-LOCALHOST}"
export EMOTION_DATA_DIR="${EMOTION_DATA_DIR:-$(cd "$_ep_root/.." && pwd)/shared/data}"
unset _ep_root
