"""`emotion-perception`: the command-line doors onto the core pipeline."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional

from .errors import EmotionPerceptionError
from .pose import PoseConfig
from .pose_models import POSE_MODEL_VARIANTS, PoseModelError


def _add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pose-model", default="full", help=f"{' | '.join(POSE_MODEL_VARIANTS)} or a .task path")
    parser.add_argument("--max-people", type=int, default=4)
    parser.add_argument("--tile-size", type=int, default=0, help="detection tiles in px for small people (0 = off)")
    parser.add_argument("--min-detection-confidence", type=float, default=0.5)
    parser.add_argument("--model", type=Path, default=None, help="emotion model (default: the packaged one)")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    parser.add_argument("--no-half", action="store_true", help="fp32 on CUDA")
    parser.add_argument("--smoothing", type=float, default=0.4, help="EMA weight of the newest prediction (1 = off)")


def build_pipeline(args: argparse.Namespace):
    from .pipeline import Pipeline, PipelineConfig, load_default_engine

    engine = load_default_engine(args.device, not args.no_half, args.model)
    pose = PoseConfig(model=args.pose_model, max_people=args.max_people, tile_size=args.tile_size,
                      min_detection_confidence=args.min_detection_confidence,
                      min_presence_confidence=args.min_detection_confidence)
    config = PipelineConfig(pose=pose, smoothing_alpha=args.smoothing)
    return Pipeline(config, engine)


def _video(args: argparse.Namespace) -> int:
    from .video import VideoSource, run_video

    if args.input is None and args.camera is None:
        raise SystemExit("emotion-perception video: give INPUT or --camera N")
    source = VideoSource.open(args.input, args.camera)
    pipeline = build_pipeline(args)
    if pipeline.engine is None:
        print("No trained emotion model is installed: the output shows skeletons and track ids only.")
    try:
        frames = run_video(pipeline, source, args.out, args.jsonl, args.max_frames, progress=not args.quiet)
    finally:
        pipeline.close()
        source.close()
    if args.out:
        print(f"annotated video: {args.out.resolve()} ({frames} frames)")
    if args.jsonl:
        print(f"per-frame results: {args.jsonl.resolve()}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .training.evaluate import evaluate
    from .training.train import TrainConfig

    metrics = evaluate(args.out, folds=args.folds, seed=args.seed, train_config=TrainConfig(epochs=args.epochs, seed=args.seed),
                       lstm_epochs=args.lstm_epochs, size_sweep=not args.no_size_sweep, progress=not args.quiet)
    print((args.out / "table.md").read_text())
    print(f"wrote {args.out / 'metrics.json'}, confusion_matrix.png, curves.png, table.md")
    return 0 if metrics else 1


def _train(args: argparse.Namespace) -> int:
    from .training.export import train_and_export
    from .training.train import TrainConfig

    path = train_and_export(args.out, seed=args.seed, config=TrainConfig(epochs=args.epochs, seed=args.seed),
                            progress=not args.quiet)
    print(f"trained model: {path} (and {path.with_name('emotiposeformer_int8.pt').name})")
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emotion-perception", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)

    video = commands.add_parser("video", help="annotate a video file or camera stream")
    video.add_argument("input", nargs="?", help="video file")
    video.add_argument("--camera", type=int, default=None, help="camera index instead of a file")
    video.add_argument("--out", type=Path, default=None, help="annotated video (.mp4)")
    video.add_argument("--jsonl", type=Path, default=None, help="one JSON line per frame")
    video.add_argument("--max-frames", type=int, default=None)
    video.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_pipeline_options(video)
    video.set_defaults(handler=_video)

    evaluate = commands.add_parser("evaluate", help="content-fold evaluation of EmotiPoseformer and the baselines")
    evaluate.add_argument("--out", type=Path, default=Path("reports/evaluation"))
    evaluate.add_argument("--folds", type=int, default=5)
    evaluate.add_argument("--epochs", type=int, default=15)
    evaluate.add_argument("--lstm-epochs", type=int, default=8)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--no-size-sweep", action="store_true")
    evaluate.add_argument("--quiet", action="store_true")
    evaluate.set_defaults(handler=_evaluate)

    train = commands.add_parser("train", help="train the shipped EmotiPoseformer on all clips and export it")
    train.add_argument("--out", type=Path, default=Path("src/emotion_perception/models"))
    train.add_argument("--epochs", type=int, default=15)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--quiet", action="store_true")
    train.set_defaults(handler=_train)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args)
    except (EmotionPerceptionError, PoseModelError) as error:
        print(f"emotion-perception: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        from .video import VideoSourceError

        if isinstance(error, VideoSourceError):
            print(f"emotion-perception: {error}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
