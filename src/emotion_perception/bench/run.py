"""Runs every benchmark and writes reports/bench/latest.json; `markdown` renders it as the
README's table (tools/update_docs.py puts it there)."""
from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..core.pose import PoseConfig
from ..ros.launch_plan import dds_profile
from . import emotion_rate, footage, inprocess, overdds, tiles


def machine() -> dict[str, Any]:
    import mediapipe
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "mediapipe": mediapipe.__version__,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
    }


def run(
    out: Path, repeats: int = 5, overload_frames: int = 150, memory_frames: int = 3000, memory_warmup: int = 300
) -> dict[str, Any]:
    # Fast DDS reads its profile at this process's first participant: set it before any
    os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", str(dds_profile()))
    started = time.time()
    squats = one_person_footage()
    figures = model_figures(repeats, squats)
    rgb = squats[1]
    print("[bench] overload over DDS (input at 2x the processing rate)", flush=True)
    overload = overdds.overload(rgb, figures["one_person"]["node_ms_per_frame"] / 1000.0, overload_frames)
    print(f"[bench] memory over {memory_frames} frames of a looped clip (lite model)", flush=True)
    clip = footage.decoded(footage.bag_messages_of_pose1())
    memory = overdds.memory(clip, 30.0, memory_frames, memory_warmup)
    print("[bench] detection tiles: latency and peak memory per frame and tile size", flush=True)
    tile_rows = tiles.report()
    report = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "seconds": time.time() - started,
        **figures,
        "overload_p99_ratio": overload["overload_p99_ratio"],
        "rss_growth_ratio": memory["rss_growth_ratio"],
        "overload": overload,
        "memory": memory,
        "tiles": tile_rows,
        "goals": {
            "node_overhead_ratio": 0.10,
            "model_share_of_pose": 0.05,
            "overload_p99_ratio": 2.0,
            "rss_growth_ratio": 0.05,
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return report


def markdown(report: dict[str, Any]) -> str:
    m, goals = report["machine"], report["goals"]
    stages = report["stage_latency_ms"]
    one, eight, overload, memory = report["one_person"], report["eight_people"], report["overload"], report["memory"]

    def verdict(key: str) -> str:
        return "met" if report[key] <= goals[key] else "**missed**"

    pairs, loaded = one["node_overhead_ratio_per_pair"], overload["overloaded_2x"]
    lines = [
        f"Measured {report['date']} on {m['cpu']} ({m['cores']} cores, {m['memory_gb']} GB, GPU: {m['gpu']}), "
        f"torch {m['torch']}, MediaPipe {m['mediapipe']}; full pose model unless noted.",
        *[f"The {what} re-measured {report[f'{part}_date']} (`--{part}-only`); the other figures are from that run."
          for part, what in (("model", "model's figures (overhead, model shares, stages, batched forward) were"),
                             ("tiles", "tile table was")) if f"{part}_date" in report],
        "",
        "| figure | measured | goal |",
        "|---|---|---|",
        f"| node overhead over bare MediaPipe ({one['node_ms_per_frame']:.1f} vs "
        f"{one['bare_mediapipe_ms_per_frame']:.1f} ms per frame, median of {one['repeats']} alternating pass pairs "
        f"ranging {min(pairs):+.0%} to {max(pairs):+.0%}; each pass's first frame, which creates the landmarker, "
        f"left out) | {report['node_overhead_ratio']:+.1%} | <= {goals['node_overhead_ratio']:.0%} "
        f"({verdict('node_overhead_ratio')}) |",
        f"| model share of pose time, 8 people ({eight['model_ms_per_call']:.2f} ms / "
        f"{eight['pose_ms_per_frame']:.0f} ms) | {report['model_share_of_pose']:.1%} | "
        f"<= {goals['model_share_of_pose']:.0%} ({verdict('model_share_of_pose')}) |",
        f"| model share of pose time, 1 person ({one['model_ms_per_call']:.2f} ms / {one['pose_ms_per_frame']:.1f} ms) "
        f"| {report['model_share_of_pose_1_person']:.1%} | <= 5% |",
        f"| overload: p99 latency at 2x input / unloaded ({loaded['latency_ms']['p99']:.0f} / "
        f"{overload['unloaded']['latency_ms']['p99']:.0f} ms), {loaded['dropped']} of "
        f"{loaded['sent']} frames dropped, latency first/last third "
        f"{loaded['latency_p50_first_third_ms']:.0f}/{loaded['latency_p50_last_third_ms']:.0f} ms "
        f"| {report['overload_p99_ratio']:.2f}x | <= {goals['overload_p99_ratio']:.0f}x "
        f"({verdict('overload_p99_ratio')}) |",
        f"| node RSS growth over {memory['frames']:,} looped frames (lite model, "
        f"{memory['rss_after_warmup_mb']:.0f} -> "
        f"{memory['rss_final_mb']:.0f} MB) | {report['rss_growth_ratio']:+.1%} | < {goals['rss_growth_ratio']:.0%} "
        f"({verdict('rss_growth_ratio')}) |",
        "",
        "| stage (ms, 1 person) | p50 | p95 | p99 |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {v['p50']:.2f} | {v['p95']:.2f} | {v['p99']:.2f} |" for name, v in stages.items()]
    lines += ["", "| batched forward (CPU) | ms per call | windows/s |", "|---|---|---|"]
    lines += [
        f"| {b} windows | {v['ms_per_call']:.2f} | {v['windows_per_s']:,.0f} |"
        for b, v in report["batched_forward"]["cpu"].items()
    ]
    cuda = report["batched_forward"].get("cuda")
    if isinstance(cuda, str):
        lines += ["", f"CUDA: {cuda}."]
    else:
        for name in ("cuda_fp32", "cuda_fp16"):
            lines += [
                f"| {b} windows, {name} | {v['ms_per_call']:.2f} | {v['windows_per_s']:,.0f} |"
                for b, v in report["batched_forward"][name].items()
            ]
    if "emotion_rate" in report:
        lines += emotion_rate.markdown(report["emotion_rate"])
    if "tiles" in report:
        lines += tiles.markdown(report["tiles"])
    return "\n".join(lines) + "\n"


def one_person_footage() -> tuple[list, list[np.ndarray]]:
    """pose_squats.mp4 as bag messages and as decoded RGB frames, made once per benchmark run."""
    with tempfile.TemporaryDirectory() as directory:
        messages = footage.one_person(Path(directory))
    return messages, footage.decoded(messages)


def model_figures(repeats: int, squats: tuple[list, list[np.ndarray]]) -> dict[str, Any]:
    """The figures that move with the packaged model: per-stage latency and node overhead (one
    person, `squats` from one_person_footage), the model's share of pose time (one and eight
    people), batched forward throughput."""
    messages, rgb = squats
    print("[bench] per-stage latency, node path vs bare MediaPipe (pose_squats.mp4, 1 person)", flush=True)
    one = inprocess.stage_report(messages, rgb, repeats, PoseConfig(model="full"))
    print("[bench] eight people (pose_1.mp4 mosaic, 480 px tiles)", flush=True)
    eight = inprocess.eight_people_report(footage.mosaic_of_eight(30), repeats, PoseConfig(model="full", tile_size=480))
    print("[bench] batched forward passes", flush=True)
    batched = inprocess.batched_forward()
    print("[bench] emotion rate: model time per frame and label agreement with judging every frame", flush=True)
    return {"node_overhead_ratio": one["node_overhead_ratio"], "model_share_of_pose": eight["model_share_of_pose"],
            "model_share_of_pose_1_person": one["model_share_of_pose"], "stage_latency_ms": one["stage_latency_ms"],
            "one_person": one, "eight_people": eight, "batched_forward": batched,
            "emotion_rate": emotion_rate.report()}


def update_part(out: Path, part: str, repeats: int = 5) -> dict[str, Any]:
    """Re-measures one part ("tiles" or "model") and merges it into the last full report, dated,
    so a new model or tile rule does not need the half-hour overload and memory runs again."""
    report = json.loads(out.read_text())
    if part == "tiles":
        report["tiles"] = tiles.report()
    elif part == "model":
        report.update(model_figures(repeats, one_person_footage()))
    else:
        raise ValueError(f"unknown benchmark part {part!r}")
    report[f"{part}_date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out.write_text(json.dumps(report, indent=2) + "\n")
    return report
