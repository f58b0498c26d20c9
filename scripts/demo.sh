#!/usr/bin/env bash
# The demo, as a robot would run us: real footage (vtest.avi, several pedestrians) becomes a
# rosbag2, the node starts as the launch file starts it, the bag is replayed into it over DDS,
# emotion messages are printed as they arrive and the debug-image stream becomes a video.
set -euo pipefail
cd "$(dirname "$0")/.."
exec emotion-perception demo "$@" 2> >(grep -v -E '^(W0000|I0000|INFO: Created TensorFlow|WARNING: All log messages)' >&2)
