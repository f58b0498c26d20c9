"""Golden replay cases: bags made from real footage, and the outputs we expect from them.

A maintainer's tool beside the data it writes, not part of what a robot installs:
`python test/golden_cases.py` checks this machine's outputs against them, `--write` (make goldens)
regenerates them, and the README's demo picture with them, so that picture always shows the
packaged model; nothing else writes them. Each golden names the model (sha256) and pipeline
options it was made with, so a retrained model fails the check with an instruction, not a mystery.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from emotion_perception.core.checksums import sha256_of
from emotion_perception.core.data_sources import debian_footage, tfjs_footage
from emotion_perception.core.pipeline import default_model_path
from emotion_perception.doors.bag.compare import compare_outputs
from emotion_perception.doors.bag.from_video import video_to_bag
from emotion_perception.doors.bag.process import process_bag, read_emotions
from emotion_perception.ros.emotion_message import summarize
from emotion_perception.ros.node_parameters import Value, parameter_text, parameter_values, pipeline_from

GOLDEN_DIR = Path(__file__).resolve().parent / "goldens"
DEMO_IMAGE = Path(__file__).resolve().parents[1] / "docs" / "images" / "demo_vtest_frame.png"
DEMO_IMAGE_FRAME = 60  # of the demo's footage: several pedestrians, their windows full


@dataclass(frozen=True)
class GoldenCase:
    name: str
    source: str  # "tfjs:<file>" (../shared footage) or "debian:<file>" (setup's cache)
    max_frames: Optional[int] = None
    start_frame: int = 0
    storage: str = "mcap"
    compressed: bool = False
    tile_size: int = 0
    max_people: int = 4

    def video(self) -> Path:
        kind, name = self.source.split(":", 1)
        return tfjs_footage(name) if kind == "tfjs" else debian_footage(name)

    def parameters(self) -> dict[str, Value]:
        """The node parameters of this case; the rest are the table's defaults (CPU for the model,
        so a golden is the same on every machine)."""
        return {"pose_model": "full", "max_people": self.max_people, "tile_size": self.tile_size, "device": "cpu"}

    def node_parameters(self) -> dict[str, str]:
        """The same parameters as the node's command line takes them."""
        return {name: parameter_text(value) for name, value in self.parameters().items()}


CASES = (
    GoldenCase("pose_squats", "tfjs:pose_squats.mp4"),
    GoldenCase("pose_1", "tfjs:pose_1.mp4", storage="sqlite3"),
    GoldenCase("vtest_slice", "debian:vtest.avi", max_frames=40, compressed=True, tile_size=256, max_people=6),
)
BY_NAME = {case.name: case for case in CASES}


def make_bag(case: GoldenCase, directory: Path) -> Path:
    bag = directory / f"{case.name}_{case.storage}"
    if not bag.exists():
        video_to_bag(case.video(), bag, storage=case.storage, compressed=case.compressed,
                     max_frames=case.max_frames, start_frame=case.start_frame)
    return bag


def run_case(case: GoldenCase, directory: Path) -> list[dict]:
    """The case's bag through `bag process` with the packaged model: summarized outputs."""
    bag = make_bag(case, directory)
    result = directory / f"{case.name}_result"
    if result.exists():
        shutil.rmtree(result)
    pipeline = pipeline_from(parameter_values(case.parameters()))
    try:
        process_bag(pipeline, bag, result)
    finally:
        pipeline.close()
    return [summarize(message) for message in read_emotions(result)]


def golden_path(case: GoldenCase) -> Path:
    return GOLDEN_DIR / f"{case.name}.json"


def write_golden(case: GoldenCase, frames: list[dict]) -> Path:
    path = golden_path(case)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"case": asdict(case), "model_sha256": sha256_of(default_model_path()), "frames": frames}
    path.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    return path


def load_golden(case: GoldenCase) -> dict:
    return json.loads(golden_path(case).read_text())


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="check, or with --write regenerate, the golden replay outputs")
    parser.add_argument("--write", action="store_true", help="overwrite test/goldens with this machine's outputs")
    parser.add_argument("--case", action="append", default=None, choices=sorted(BY_NAME), help="only these cases")
    args = parser.parse_args(argv)
    cases = [BY_NAME[name] for name in args.case] if args.case else list(CASES)
    failed = 0
    with tempfile.TemporaryDirectory() as directory:
        for case in cases:
            frames = run_case(case, Path(directory))
            if args.write:
                print(f"{case.name}: wrote {write_golden(case, frames)} ({len(frames)} frames)")
                continue
            comparison = compare_outputs(load_golden(case)["frames"], frames) if golden_path(case).exists() else None
            failed += comparison is None or not comparison.ok
            verdict = "no golden yet" if comparison is None else \
                f"{'ok' if comparison.ok else 'DIFFERS'}: {comparison.describe()}"
            print(f"{case.name}: {verdict}")
            for problem in comparison.problems[:10] if comparison else []:
                print(f"  {problem}")
    if args.write and not args.case:
        print(f"wrote {write_demo_image()}")
    return 1 if failed else 0


def write_demo_image() -> Path:
    """Frame DEMO_IMAGE_FRAME of the demo's footage, through the pipeline with the demo's node
    parameters, drawn by the debug image's own code (what `make demo` writes to its video)."""
    import cv2

    from emotion_perception.doors.demo import DemoConfig
    from emotion_perception.ros.node_parameters import parameter_values, pipeline_from

    demo = DemoConfig()
    pipeline = pipeline_from(parameter_values({"tile_size": demo.tile_size, "max_people": demo.max_people,
                                               "pose_model": demo.pose_model, "device": "cpu",
                                               "min_detection_confidence": demo.min_detection_confidence}))
    capture = cv2.VideoCapture(str(demo.video))
    fps = capture.get(cv2.CAP_PROP_FPS)
    try:
        for index in range(DEMO_IMAGE_FRAME + 1):
            ok, bgr = capture.read()
            if not ok:
                raise RuntimeError(f"{demo.video} has fewer than {DEMO_IMAGE_FRAME + 1} frames")
            frame = pipeline.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), index / fps)
    finally:
        capture.release()
        pipeline.close()
    from emotion_perception.core.draw import draw_frame

    cv2.imwrite(str(DEMO_IMAGE), draw_frame(bgr, frame, model_installed=True))
    return DEMO_IMAGE


if __name__ == "__main__":
    sys.exit(main())
