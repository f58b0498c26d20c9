#!/usr/bin/env bash
# The demo: real footage through the whole pipeline to annotated videos and JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=out/demo
mkdir -p "$OUT"
DATA="${EMOTION_DATA_DIR}/footage/tfjs-pose-test-data"
VTEST="${EMOTION_CACHE_DIR:-$HOME/.cache/emotion_perception}/opencv-doc/vtest.avi"
echo "== one person squatting (pose_squats.mp4, full pose model)"
emotion-perception video "$DATA/pose_squats.mp4" --out "$OUT/pose_squats_annotated.mp4" --jsonl "$OUT/pose_squats.jsonl" 2>/dev/null
echo "== pedestrians in a wide shot (vtest.avi, first 150 frames, 256 px detection tiles)"
emotion-perception video "$VTEST" --max-frames 150 --tile-size 256 --max-people 8 --min-detection-confidence 0.7 \
  --out "$OUT/vtest_annotated.mp4" --jsonl "$OUT/vtest.jsonl" 2>/dev/null
echo "demo outputs are in $(pwd)/$OUT"
