"""`emotion-perception`: the command-line doors onto the core pipeline."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Optional

from ..core.data_sources import PACKAGE_ROOT
from ..core.errors import EmotionPerceptionError
from ..core.pose import DEFAULT_MAX_TILES, PoseConfig
from ..core.pose_models import POSE_MODEL_VARIANTS
from ..core.smoothing import DEFAULT_MIN_CONFIDENCE
from ..training import EVALUATION_PARTS


def _add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pose-model", default="full", help=f"{' | '.join(POSE_MODEL_VARIANTS)} or a .task path")
    parser.add_argument("--max-people", type=int, default=4)
    parser.add_argument("--tile-size", type=int, default=0, help="detection tiles in px for small people (0 = off)")
    parser.add_argument("--max-tiles", type=int, default=DEFAULT_MAX_TILES,
                        help="most detection tiles per frame (about 100 MB each); beyond it tiles grow")
    parser.add_argument("--min-detection-confidence", type=float, default=0.5)
    parser.add_argument("--model", type=Path, default=None, help="emotion model (default: the packaged one)")
    parser.add_argument("--no-model", action="store_true", help="poses and ids only, no emotion model")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    parser.add_argument("--no-half", action="store_true", help="fp32 on CUDA")
    parser.add_argument("--smoothing", type=float, default=0.4, help="EMA weight of the newest prediction (1 = off)")
    parser.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE,
                        help="top-class probability below which the label is 'unknown' (0 = always a class)")


def build_pipeline(args: argparse.Namespace):
    from ..core.pipeline import Pipeline, PipelineConfig, load_default_engine

    engine = None if args.no_model else load_default_engine(args.device, not args.no_half, args.model)
    pose = PoseConfig(model=args.pose_model, max_people=args.max_people, tile_size=args.tile_size,
                      max_tiles=args.max_tiles, min_detection_confidence=args.min_detection_confidence,
                      min_presence_confidence=args.min_detection_confidence)
    config = PipelineConfig(pose=pose, smoothing_alpha=args.smoothing, min_confidence=args.min_confidence)
    return Pipeline(config, engine)


def _video(args: argparse.Namespace) -> int:
    from .video import VideoSource, run_video

    if args.input is None and args.camera is None:
        raise SystemExit("emotion-perception video: give INPUT or --camera N")
    source = VideoSource.open(args.input, args.camera)
    pipeline = build_pipeline(args)
    if pipeline.engine is None:
        reason = "was asked for" if args.no_model else "is installed"
        print(f"No trained emotion model {reason}: the output shows skeletons and track ids only.")
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
    import dataclasses

    import torch

    from ..training.evaluate import evaluate
    from ..training.recipe import CHOSEN, RECIPE

    torch.set_num_threads(args.threads)
    recipe = dataclasses.replace(RECIPE, train=dataclasses.replace(RECIPE.train, epochs=args.epochs, seed=args.seed))
    metrics = evaluate(args.out, parts=args.parts, folds=args.folds, seed=args.seed, recipe=recipe,
                       lstm_epochs=args.lstm_epochs, size_sweep=args.size_sweep, progress=not args.quiet)
    from ..training.figures import plot_projection_vs_real

    plot_projection_vs_real(args.out / "projection_vs_mediapipe.png")
    table = (args.out / "table.md").read_text()
    for document in (args.readme, PACKAGE_ROOT / "models" / "MODEL_CARD.md"):
        if document.exists():
            _replace_between_markers(document, table)
    print(table)
    print(f"wrote {args.out / 'metrics.json'} ({', '.join(args.parts)}), figures and table.md")
    selected = metrics.get("content_folds", {}).get("protocol", {}).get("model_config")
    if args.size_sweep and selected != CHOSEN.to_dict():
        print("validation selected another size than training.recipe.RECIPE, which make train ships: "
              "set it there", file=sys.stderr)
        return 1
    return 0


def _extract(args: argparse.Namespace) -> int:
    from .extract import extract_clip

    clip = extract_clip(Path(args.input), args.label, PoseConfig(model=args.pose_model, max_people=args.max_people),
                        args.subject, args.valence, args.arousal, args.max_frames)
    clip.save(args.out)
    print(f"clip: {args.out} ({len(clip.stamps)} frames, label {clip.label})")
    return 0


README_MARKERS = ("<!-- metrics:start (generated by make evaluate) -->", "<!-- metrics:end -->")


def _replace_between_markers(readme: Path, body: str, markers: tuple[str, str] = README_MARKERS) -> None:
    text = readme.read_text()
    start, end = markers
    if start in text and end in text:
        head, rest = text.split(start, 1)
        readme.write_text(head + start + "\n" + body + rest[rest.index(end):])


def _train(args: argparse.Namespace) -> int:
    from ..training.train import TrainConfig

    if args.clips:
        from ..training.custom import train_on_clips

        if args.taxonomy is None:
            raise SystemExit("emotion-perception train --clips needs --taxonomy FILE.yaml")
        out = args.out if args.out.suffix == ".pt" else args.out / "emotiposeformer_custom.pt"
        path = train_on_clips(sorted(args.clips.glob("*.npz")), args.taxonomy, out,
                              TrainConfig(epochs=args.epochs, seed=args.seed), progress=not args.quiet)
        print(f"trained model: {path}")
        return 0
    import dataclasses

    import torch

    from ..training.export import train_and_export
    from ..training.recipe import RECIPE

    torch.set_num_threads(args.threads)
    recipe = dataclasses.replace(RECIPE, train=dataclasses.replace(RECIPE.train, epochs=args.epochs, seed=args.seed))
    path = train_and_export(args.out, recipe, seed=args.seed, progress=not args.quiet)
    print(f"trained model: {path} (and {path.with_name('emotiposeformer_int8.pt').name})")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ..bench.run import README_MARKERS as BENCH_MARKERS
    from ..bench.run import markdown, run, update_tiles

    if args.tiles_only:
        report = update_tiles(args.out)
    else:
        report = run(args.out, repeats=args.repeats, overload_frames=args.overload_frames,
                     memory_frames=args.memory_frames)
    table = markdown(report)
    if args.readme.exists():
        _replace_between_markers(args.readme, table, BENCH_MARKERS)
    print(table)
    print(f"wrote {args.out}")
    return 0


def _params(args: argparse.Namespace) -> int:
    from ..ros.launch_plan import params_file
    from ..ros.node_parameters import parameters_file

    text = parameters_file()
    if args.write:
        params_file().write_text(text)
        print(f"wrote {params_file()}")
    else:
        print(text, end="")
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

    evaluate = commands.add_parser("evaluate", help="cross-source, content-fold and ablation evaluation")
    evaluate.add_argument("--out", type=Path, default=Path("reports/evaluation"))
    evaluate.add_argument("--folds", type=int, default=5)
    evaluate.add_argument("--epochs", type=int, default=15)
    evaluate.add_argument("--lstm-epochs", type=int, default=8)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--parts", nargs="+", default=list(EVALUATION_PARTS), choices=EVALUATION_PARTS,
                          help="which parts to run; the others keep their figures in metrics.json")
    evaluate.add_argument("--size-sweep", action="store_true", help="also choose the model size on validation motions")
    evaluate.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads")
    evaluate.add_argument("--quiet", action="store_true")
    evaluate.add_argument("--readme", type=Path, default=Path("README.md"),
                          help="README whose metrics table to regenerate")
    evaluate.set_defaults(handler=_evaluate)

    train = commands.add_parser("train", help="train the shipped EmotiPoseformer on all clips and export it")
    train.add_argument(
        "--out",
        type=Path,
        default=Path("src/emotion_perception/models"),
        help="folder for the shipped model, or a .pt path with --clips",
    )
    train.add_argument("--epochs", type=int, default=15)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads")
    train.add_argument("--quiet", action="store_true")
    train.add_argument("--clips", type=Path, default=None, help="folder of your own .npz clips (docs/CLIP_FORMAT.md)")
    train.add_argument(
        "--taxonomy", type=Path, default=None, help="YAML with your classes, e.g. config/taxonomies/seed9.yaml"
    )
    train.set_defaults(handler=_train)

    extract = commands.add_parser("extract", help="turn a labelled video into a landmark clip for training")
    extract.add_argument("input", help="video file (one person, or the longest-tracked one is taken)")
    extract.add_argument("--label", required=True)
    extract.add_argument("--out", type=Path, required=True, help="clip file (.npz)")
    extract.add_argument("--subject", default="")
    extract.add_argument("--valence", type=float, default=None)
    extract.add_argument("--arousal", type=float, default=None)
    extract.add_argument("--pose-model", default="full")
    extract.add_argument("--max-people", type=int, default=2)
    extract.add_argument("--max-frames", type=int, default=None)
    extract.set_defaults(handler=_extract)

    from . import demo

    demo_parser = commands.add_parser("demo", help="footage -> bag -> node over DDS -> printed emotions + debug video")
    demo.main_args(demo_parser)
    demo_parser.set_defaults(handler=lambda args: demo.run_demo(demo.from_args(args)))

    bench = commands.add_parser("bench", help="measure latency, overhead, overload and memory; write reports/bench")
    bench.add_argument("--out", type=Path, default=Path("reports/bench/latest.json"))
    bench.add_argument("--repeats", type=int, default=5)
    bench.add_argument("--overload-frames", type=int, default=150)
    bench.add_argument("--memory-frames", type=int, default=3000, help="100000 for the full memory check")
    bench.add_argument(
        "--tiles-only",
        action="store_true",
        help="re-measure only the detection-tile table, keeping the other figures of --out",
    )
    bench.add_argument(
        "--readme", type=Path, default=Path("README.md"), help="README whose benchmark table to regenerate"
    )
    bench.set_defaults(handler=_bench)

    params = commands.add_parser("params", help="print the node's parameters file, generated from its parameter table")
    params.add_argument("--write", action="store_true", help="rewrite config/emotion_perception.yaml with it")
    params.set_defaults(handler=_params)

    from .bag.cli import register as register_bag_commands

    register_bag_commands(commands, _add_pipeline_options, build_pipeline)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = make_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return args.handler(args)
    except EmotionPerceptionError as error:
        # Bad input from the user (files, labels, options): one clear line; -v adds the traceback.
        if args.verbose:
            raise
        print(f"emotion-perception: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        # Most often a bad value given on the command line, but it can be a bug: -v shows where.
        if args.verbose:
            raise
        print(f"emotion-perception: {error} (run with -v for the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
