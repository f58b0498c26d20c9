"""In-process measurements: per-stage latency, node overhead over bare MediaPipe, model share
of pose time, batched forward passes. Every figure is from this run on these frames."""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Optional

import numpy as np

from ..core.pipeline import STAGES, Pipeline, PipelineConfig, load_default_engine
from ..core.pose import PoseConfig, PoseEstimator
from ..ros.emotion_message import frame_emotions
from ..ros.image_conversion import to_rgb8
from ..ros.stamps import seconds_of, stamp_ns

PERCENTILES = (50, 95, 99)
# Frames at the start of every pass that pay one-time costs and are left out of per-frame figures:
# the node path creates its MediaPipe landmarker lazily on its first frame (the report's first_frame_s),
# the bare run before its loop, and both pay MediaPipe's first inference there.
STARTUP_FRAMES = 1


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    values = np.asarray(seconds) * 1000.0
    return {f"p{p}": float(np.percentile(values, p)) for p in PERCENTILES} if len(values) else {}


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: float(np.median([run[key] for run in runs])) for key in runs[0]} if runs else {}


class RosPublish:
    """Builds the node's FrameEmotions and publishes it through rclpy, as the node's worker does."""

    def __init__(self) -> None:
        import rclpy
        from emotion_perception_msgs.msg import FrameEmotions

        from ..ros.node import ROS_KIT

        self.context = rclpy.context.Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node("emotion_perception_bench_publish", context=self.context)
        self.publisher = self.node.create_publisher(FrameEmotions, "bench_emotions", 10)
        self.kit = ROS_KIT

    def __call__(self, frame, stamp_ns: int, window_length: int) -> None:
        self.publisher.publish(frame_emotions(self.kit, frame, stamp_ns, "camera", window_length))

    def close(self) -> None:
        import rclpy

        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


def node_path_run(messages: list, config: PipelineConfig, publish: Optional[RosPublish]) -> dict[str, list[float]]:
    """One pass of the node's per-frame path: decode, pipeline stages, publish."""
    pipeline = Pipeline(config, load_default_engine(device="cpu"))
    stages: dict[str, list[float]] = {name: [] for name in ("decode", *STAGES, "publish", "total", "model_calls",
                                                            "batches", "judged", "people")}
    try:
        for index, message in enumerate(messages):
            start = time.perf_counter()
            rgb = to_rgb8(message)
            decoded = time.perf_counter()
            ns = stamp_ns(message.header)
            frame = pipeline.process(rgb, seconds_of(ns))
            processed = time.perf_counter()
            if publish is not None:
                publish(frame, ns, pipeline.window_length)
            published = time.perf_counter()
            if index < STARTUP_FRAMES:
                continue
            stages["decode"].append(decoded - start)
            for name in STAGES:
                stages[name].append(frame.timings[name])
            stages["publish"].append(published - processed)
            stages["total"].append(published - start)
            stages["judged"].append(frame.windows_predicted > 0)
            stages["people"].append(len(frame.people))
            if frame.windows_predicted:
                stages["model_calls"].append(frame.timings["model"])
                stages["batches"].append(frame.windows_predicted)
    finally:
        pipeline.close()
    return stages


def bare_mediapipe_run(frames: list[np.ndarray], stamps_ms: list[int], pose: PoseConfig) -> list[float]:
    """MediaPipe's PoseLandmarker alone on the same RGB frames with the same stamps: the floor
    under the node."""
    import mediapipe as mp

    estimator = PoseEstimator(pose)
    landmarker = estimator._create(pose.max_people)
    times = []
    try:
        for index, (rgb, stamp_ms) in enumerate(zip(frames, stamps_ms)):
            fresh = rgb.copy()  # in cache, as the node's just-decoded frame is: only MediaPipe is timed
            start = time.perf_counter()
            landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=fresh), stamp_ms)
            if index >= STARTUP_FRAMES:
                times.append(time.perf_counter() - start)
    finally:
        landmarker.close()
    return times


def _model_per_frame(run: dict[str, list[float]]) -> float:
    """Seconds per frame spent deciding and running the model (normalize + model stages), over the
    frames from the first judgement on: what the emotion rate costs in steady state."""
    judged = [i for i, seconds in enumerate(run["model"]) if seconds > 0 and run["judged"][i]]
    first = judged[0] if judged else len(run["model"])
    return float(np.mean(np.add(run["model"], run["normalize"])[first:])) if judged else float("nan")


def stage_report(messages: list, frames: list[np.ndarray], repeats: int, pose: PoseConfig) -> dict[str, Any]:
    """Node path and bare MediaPipe in alternating passes, so drift on a shared machine (other
    tenants, clocks) lands on both sides of each ratio; the median over the pairs is reported."""
    stamps_ms = [stamp_ns(message.header) // 1_000_000 for message in messages]
    publish = RosPublish()
    node_runs, bare_runs = [], []
    try:
        for _ in range(repeats + 1):
            node_runs.append(node_path_run(messages, PipelineConfig(pose=pose), publish))
            bare_runs.append(bare_mediapipe_run(frames, stamps_ms, pose))
    finally:
        publish.close()
    # the first pair warms caches and the allocator and is left out as a whole
    node_runs, bare_runs = node_runs[1:], bare_runs[1:]
    node_means = [float(np.mean(run["total"])) for run in node_runs]
    bare_means = [float(np.mean(run)) for run in bare_runs]
    overheads = [node / bare - 1.0 for node, bare in zip(node_means, bare_means)]
    stages = {name: median_of([percentiles_ms(run[name]) for run in node_runs])
              for name in ("decode", "pose", "tracking", "normalize", "model", "publish", "total")}
    pose_mean = float(np.median([np.mean(run["pose"]) for run in node_runs]))
    model_call = float(np.median([np.median(run["model_calls"]) for run in node_runs if run["model_calls"]]))
    model_frame = float(np.median([_model_per_frame(run) for run in node_runs]))
    return {
        "frames": len(messages), "repeats": repeats, "startup_frames_left_out": STARTUP_FRAMES,
        "stage_latency_ms": stages,
        "node_ms_per_frame": float(np.median(node_means)) * 1000,
        "bare_mediapipe_ms_per_frame": float(np.median(bare_means)) * 1000,
        "node_overhead_ratio": float(np.median(overheads)),
        "node_overhead_ratio_per_pair": overheads,
        "pose_ms_per_frame": pose_mean * 1000, "model_ms_per_call": model_call * 1000,
        "model_ms_per_frame": model_frame * 1000, "model_share_of_pose": model_frame / pose_mean,
    }


def eight_people_report(messages: list, repeats: int, pose: PoseConfig) -> dict[str, Any]:
    """The node's per-frame path on frames with eight people. MediaPipe needs detection tiles to
    find eight people in one frame, so the floor here is the pose stage (MediaPipe over the tiles,
    merged), and the overhead is everything the node adds to it."""
    config = PipelineConfig(pose=replace(pose, max_people=8))
    publish = RosPublish()
    try:
        runs = [node_path_run(messages, config, publish) for _ in range(repeats + 1)][1:]
    finally:
        publish.close()
    pose_mean = float(np.median([np.mean(run["pose"]) for run in runs]))
    total_mean = float(np.median([np.mean(run["total"]) for run in runs]))
    model_frame = float(np.median([_model_per_frame(run) for run in runs]))
    # people are judged on grids of their own, so a forward holds whoever is due at that instant
    model_calls = [seconds for run in runs for seconds in run["model_calls"]]
    batches = [batch for run in runs for batch in run["batches"]]
    return {"frames": len(messages), "repeats": repeats,
            "people_per_frame": float(np.median([np.mean(run["people"]) for run in runs])),
            "node_ms_per_frame": total_mean * 1000, "pose_ms_per_frame": pose_mean * 1000,
            "node_overhead_ratio": total_mean / pose_mean - 1.0,
            "model_ms_per_call": float(np.median(model_calls)) * 1000 if model_calls else 0.0,
            "windows_per_call": float(np.mean(batches)) if batches else 0.0,
            "model_ms_per_frame": model_frame * 1000, "model_share_of_pose": model_frame / pose_mean}


def batched_forward(repeats: int = 20) -> dict[str, Any]:
    """Throughput of the packaged model for 1, 8 and 64 windows; CUDA fp32/fp16 when present."""
    import torch

    engine = load_default_engine(device="cpu")
    shape = (engine.metadata.window_length, 33, 4)
    rng = np.random.default_rng(0)
    results: dict[str, Any] = {"cpu": _throughput(engine, rng, shape, repeats)}
    engine.release()
    if torch.cuda.is_available():
        fp32 = load_default_engine(device="cuda", half=False)
        fp16 = load_default_engine(device="cuda", half=True)
        results["cuda_fp32"] = _throughput(fp32, rng, shape, repeats)
        results["cuda_fp16"] = _throughput(fp16, rng, shape, repeats)
        windows = rng.normal(0, 0.5, (64, *shape)).astype(np.float32)
        windows[..., 3] = 1.0
        p32 = np.stack([p.probabilities for p in fp32.predict(windows)])
        p16 = np.stack([p.probabilities for p in fp16.predict(windows)])
        results["cuda_fp16_vs_fp32"] = {"max_abs_probability_difference": float(np.abs(p32 - p16).max()),
                                        "argmax_agreement": float((p32.argmax(1) == p16.argmax(1)).mean()),
                                        "device": torch.cuda.get_device_name(0)}
    else:
        results["cuda"] = "not measured: no CUDA device on this machine"
    return results


def _throughput(engine, rng: np.random.Generator, shape: tuple, repeats: int) -> dict[str, Any]:
    out = {}
    for batch in (1, 8, 64):
        windows = rng.normal(0, 0.5, (batch, *shape)).astype(np.float32)
        windows[..., 3] = 1.0
        for _ in range(3):
            engine.predict(windows)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            engine.predict(windows)
            times.append(time.perf_counter() - start)
        median = float(np.median(times))
        out[str(batch)] = {"ms_per_call": median * 1000, "windows_per_s": batch / median}
    return out
