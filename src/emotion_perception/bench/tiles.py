"""What detection tiles cost: latency and peak memory per (frame size, tile size).

Every tile keeps its own streaming MediaPipe landmarker, so memory grows with the tile count,
which `max_tiles` bounds (pose.py). Each case runs in a child process of its own, so that its
peak RSS (VmHWM) is that case's alone: the whole pipeline, from the first frame (which creates
the landmarkers) to the last.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import cv2
import numpy as np

from ..core.data_sources import debian_footage
from ..core.pose import DEFAULT_MAX_TILES, tile_regions
from ..ros.node_process import peak_rss_bytes

# (width, height, tile_size, tile_search_every): the demo's footage as it is, and a 720p, 1080p and
# 4K robot camera, at the default search rate (0); the demo's case also with every tile searched on
# every frame (1) and every third (3), to show what the search rate buys and loses.
CASES = ((768, 576, 0, 0), (768, 576, 256, 1), (768, 576, 256, 0), (768, 576, 256, 3), (1280, 720, 256, 0),
         (1920, 1080, 0, 0), (1920, 1080, 256, 0), (1920, 1080, 640, 0), (3840, 2160, 256, 0))
FRAMES = 40  # vtest at 10 fps: 4 s, long enough for the empty tiles' turns to average out


def measure_case(width: int, height: int, tile_size: int, search_every: int, frames: int = FRAMES) -> dict[str, Any]:
    """In this process: vtest.avi (pedestrians far from the camera) resized to width x height."""
    from ..core.pose import PoseConfig
    from ..ros.node_parameters import parameter_values, pipeline_from

    capture = cv2.VideoCapture(str(debian_footage("vtest.avi")))
    images = []
    for _ in range(frames):
        ok, bgr = capture.read()
        images.append(cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), (width, height)))
    values = {"tile_size": tile_size, "device": "cpu", **({"tile_search_every": search_every} if search_every else {})}
    pipeline = pipeline_from(parameter_values(values))  # as the node builds it
    seconds, people = [], []
    for index, rgb in enumerate(images):
        start = time.perf_counter()
        people.append(len(pipeline.process(rgb, index / 10.0).people))
        seconds.append(time.perf_counter() - start)
    regions = tile_regions(width, height, tile_size, PoseConfig().tile_overlap, DEFAULT_MAX_TILES)
    return {"frame": f"{width}x{height}", "tile_size": tile_size, "tiles": len(regions) - 1,
            "tile_search_every": pipeline.pose.config.tile_search_every,
            "tile_side": regions[1][2] - regions[1][0] if len(regions) > 1 else 0,
            "first_frame_s": seconds[0], "later_frame_ms_p50": float(np.median(seconds[1:]) * 1000),
            "people_mean": float(np.mean(people)), "peak_rss_mb": peak_rss_bytes("self") / 2**20}


def report() -> list[dict[str, Any]]:
    rows = []
    for case in CASES:
        done = subprocess.run([sys.executable, "-m", __name__, *map(str, case)],
                              capture_output=True, text=True, timeout=900, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"[bench]   {rows[-1]}", flush=True)
    return rows


def markdown(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        f"| frame, tile size (max_tiles {DEFAULT_MAX_TILES}) | tiles used (side) | empty tiles searched | first frame "
        "| later frames p50 | people found | peak RSS |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        tiles = f"{row['tiles']} ({row['tile_side']} px)" if row["tiles"] else "none"
        asked = f"{row['tile_size']} px" if row["tile_size"] else "no tiles"
        lines.append(
            f"| {row['frame']}, {asked} | {tiles} | {_every(row)} | {row['first_frame_s']:.1f} s | "
            f"{row['later_frame_ms_p50']:.0f} ms | {row['people_mean']:.1f} | {row['peak_rss_mb']:,.0f} MB |"
        )
    return lines


def _every(row: dict[str, Any]) -> str:
    every = row.get("tile_search_every", 1)
    return "-" if not row["tiles"] else "every frame" if every == 1 else f"every {every} frames"


if __name__ == "__main__":
    print(json.dumps(measure_case(*(int(a) for a in sys.argv[1:5]))))
