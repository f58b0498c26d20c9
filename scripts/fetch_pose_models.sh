#!/usr/bin/env bash
# Fetches the MediaPipe pose landmark models from the npm registry (no code runs: `npm pack`
# only downloads the tarball), verifies the tarball, and builds the pinned .task bundles.
set -euo pipefail
cd "$(dirname "$0")/.."
NPM_PACKAGE="@mediapipe/pose@0.5.1675469404"
TARBALL_SHA256="8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
CACHE="${EMOTION_CACHE_DIR:-$HOME/.cache/emotion_perception}/npm-mediapipe-pose"
mkdir -p "$CACHE"
tarball="$CACHE/mediapipe-pose-0.5.1675469404.tgz"
if [ ! -f "$tarball" ] || ! echo "$TARBALL_SHA256  $tarball" | sha256sum -c --status; then
  (cd "$CACHE" && npm pack --silent "$NPM_PACKAGE" >/dev/null)
fi
echo "$TARBALL_SHA256  $tarball" | sha256sum -c --quiet
tar xzf "$tarball" -C "$CACHE" package/pose_landmark_lite.tflite package/pose_landmark_full.tflite package/pose_landmark_heavy.tflite
.venv/bin/python -m emotion_perception.core.pose_models "$CACHE/package" --out models/pose "$@"
