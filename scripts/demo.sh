#!/usr/bin/env bash
# The demo, as a robot would run us: real footage (vtest.avi, several pedestrians) becomes a
# rosbag2, the node starts as the launch file starts it, the bag is replayed into it over DDS,
# emotion messages are printed as they arrive and the debug-image stream becomes a video.
# MediaPipe's native log lines are left out, as by every door of the command line (-v shows them).
set -euo pipefail
cd "$(dirname "$0")/.."
exec emotion-perception demo "$@"
