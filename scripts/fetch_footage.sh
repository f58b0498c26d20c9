#!/usr/bin/env bash
# Real multi-person footage from Debian's opencv-doc package (no install: download + unpack only):
# vtest.avi (walking pedestrians), basketball1.png (two people), messi5.jpg (one full body).
set -euo pipefail
CACHE="${EMOTION_CACHE_DIR:-$HOME/.cache/emotion_perception}/opencv-doc"
WANT="vtest.avi basketball1.png messi5.jpg"
have_all=1; for f in $WANT; do [ -f "$CACHE/$f" ] || have_all=0; done
[ "$have_all" = 1 ] && exit 0
mkdir -p "$CACHE/deb"
(cd "$CACHE/deb" && { ls opencv-doc_*.deb >/dev/null 2>&1 || apt-get download opencv-doc 2>/dev/null || { apt-get update -qq && apt-get download opencv-doc; }; })
dpkg -x "$CACHE"/deb/opencv-doc_*.deb "$CACHE/unpacked"
for f in $WANT; do cp "$CACHE/unpacked/usr/share/doc/opencv-doc/examples/data/$f" "$CACHE/$f"; done
rm -rf "$CACHE/unpacked" "$CACHE/deb"
echo "footage ready in $CACHE"
