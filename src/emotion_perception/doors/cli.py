"""`emotion-perception`: the command-line doors onto the core pipeline."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Optional

from ..core.data_sources import PACKAGE_ROOT
from ..core.errors import EmotionPerceptionError
from ..core.pose import PoseConfig
from ..training import DEFAULT_PARTS, EVALUATION_PARTS


def _add_recipe_options(parser: argparse.ArgumentParser) -> None:
    from ..core.data_sources import REPOSITORY_ROOT

    parser.add_argument("--recipe", type=Path, default=REPOSITORY_ROOT / "config" / "recipes" / "shipped.yaml",
                        help="recipe file (config/recipes/*.yaml; default: the shipped recipe)")
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    parser.add_argument("--seed", type=int, default=None, help="override the recipe's seed")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads")
    parser.add_argument("--quiet", action="store_true")


def _add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    """The node's pipeline parameters as flags (generated from its parameter table), plus --no-model."""
    from ..ros.node_parameters import add_cli_options

    add_cli_options(parser)
    parser.add_argument("--model", dest="model_path", type=str, default=None, help="the same as --model-path")
    parser.add_argument("--no-model", action="store_true", help="poses and ids only, no emotion model")


def build_pipeline(args: argparse.Namespace):
    """The pipeline the node would build with these values (ros/node_parameters.pipeline_from)."""
    from ..ros.node_parameters import cli_values, pipeline_from

    return pipeline_from(cli_values(args), with_model=not args.no_model)


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


def _recipe(args: argparse.Namespace):
    """The recipe file, with --epochs and --seed applied only when given (so that editing a recipe
    is never silently undone by a flag's default)."""
    import dataclasses

    from ..training.recipe import load_recipe

    recipe = load_recipe(args.recipe)
    changes = {key: getattr(args, key) for key in ("epochs", "seed") if getattr(args, key) is not None}
    return dataclasses.replace(recipe, train=dataclasses.replace(recipe.train, **changes))


def _evaluate(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    recipe = _recipe(args)
    seed = recipe.train.seed
    if args.source is not None:
        from ..training.score_source import score_source

        out = args.out or Path(f"{args.source.stem}-scores.json")
        scores = score_source(args.source, args.model, seed, out)
        print(json.dumps({key: scores[key] for key in ("macro_f1", "top1", "clip_top1", "largest_class_share",
                                                       "ece", "arousal_order_ok", "tempo_label_change")}, indent=2))
        print(f"wrote {out}")
        return 0
    if args.screen:
        from ..training.evaluate import screen

        out = args.out or Path("reports/screening") / f"{args.recipe.stem}.json"
        section = screen(out, recipe, seed, progress=not args.quiet)
        print(f"mean held-out macro-F1 {section['mean_macro_f1']:.3f}, clip vote {section['mean_clip_top1']:.3f} "
              f"({section['stamp']['wall_seconds']:.0f} s); wrote {out}")
        return 0
    args.out = args.out or Path("reports/evaluation")
    from ..training.evaluate import evaluate
    from ..training.figures import plot_projection_vs_real
    from ..training.recipe import CHOSEN

    metrics = evaluate(args.out, parts=args.parts, folds=args.folds, seed=seed, recipe=recipe, seeds=args.seeds,
                       size_sweep=args.size_sweep, progress=not args.quiet)
    plot_projection_vs_real(args.out / "projection_vs_mediapipe.png")
    table = (args.out / "table.md").read_text()
    for document in (args.readme, PACKAGE_ROOT / "models" / "MODEL_CARD.md"):
        if document.exists():
            _replace_between_markers(document, table)
    print(table)
    print(f"wrote {args.out / 'metrics.json'} ({', '.join(args.parts)}), figures and table.md")
    selected = metrics.get("content_folds", {}).get("protocol", {}).get("model_config")
    if args.size_sweep and selected != CHOSEN.to_dict():
        print("validation selected another size than config/recipes/shipped.yaml, which make train ships: "
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
        given = {key: getattr(args, key) for key in ("epochs", "seed") if getattr(args, key) is not None}
        path = train_on_clips(sorted(args.clips.glob("*.npz")), args.taxonomy, out, TrainConfig(**given),
                              progress=not args.quiet)
        print(f"trained model: {path}")
        return 0
    import torch

    from ..training.export import train_and_export

    torch.set_num_threads(args.threads)
    recipe = _recipe(args)
    path = train_and_export(args.out, recipe, seed=recipe.train.seed, progress=not args.quiet)
    print(f"trained model: {path} (and {path.with_name('emotiposeformer_int8.pt').name})")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ..bench.run import README_MARKERS as BENCH_MARKERS
    from ..bench.run import markdown, run, update_part

    if args.tiles_only or args.model_only:
        report = update_part(args.out, "tiles" if args.tiles_only else "model", repeats=args.repeats)
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
    evaluate.add_argument("--out", type=Path, default=None,
                          help="folder for metrics.json and figures (reports/evaluation); with --screen a .json "
                               "file (reports/screening/<recipe>.json); with --source a .json file "
                               "(<source>-scores.json)")
    evaluate.add_argument("--folds", type=int, default=5)
    evaluate.add_argument("--seeds", type=int, default=3, help="training seeds of the cross_source part")
    _add_recipe_options(evaluate)
    evaluate.add_argument("--screen", action="store_true",
                          help="screening: the leave-one-source-out headline with one seed, into its own file")
    evaluate.add_argument("--source", type=Path, default=None,
                          help="score a model on every labelled clip of this source configuration (.yaml)")
    evaluate.add_argument("--model", type=Path, default=None, help="with --source: the model (default: the shipped)")
    evaluate.add_argument("--parts", nargs="+", default=list(DEFAULT_PARTS), choices=EVALUATION_PARTS,
                          help="which parts to run; the others keep their figures in metrics.json")
    evaluate.add_argument("--size-sweep", action="store_true", help="also choose the model size on validation motions")
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
    _add_recipe_options(train)
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
        "--model-only",
        action="store_true",
        help="re-measure only the figures that move with the model (overhead, stages, model shares, batched "
             "forward), keeping the overload, memory and tile figures of --out",
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
