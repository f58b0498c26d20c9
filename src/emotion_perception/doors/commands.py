"""The doors' subcommands: video, extract, demo, params and bag."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..core.pose import PoseConfig
from .bag.cli import register as register_bag
from .pipeline_options import add_pipeline_options, build_pipeline


def register(commands) -> None:
    video = commands.add_parser("video", help="annotate a video file or camera stream")
    video.add_argument("input", nargs="?", help="video file")
    video.add_argument("--camera", type=int, default=None, help="camera index instead of a file")
    video.add_argument("--out", type=Path, default=None, help="annotated video (.mp4)")
    video.add_argument("--jsonl", type=Path, default=None,
                       help="one JSON line per frame (a person's label is null while their window fills)")
    video.add_argument("--max-frames", type=int, default=None, help="stop after this many frames (default: all)")
    video.add_argument("--quiet", action="store_true", help="no progress bar")
    add_pipeline_options(video)
    video.set_defaults(handler=_video)

    extract = commands.add_parser("extract", help="turn a labelled video into a landmark clip for training")
    extract.add_argument("input", help="video file (one person, or the longest-tracked one is taken)")
    extract.add_argument("--label", required=True, help="the emotion the clip shows (a class of your taxonomy)")
    extract.add_argument("--out", type=Path, required=True, help="clip file (.npz)")
    extract.add_argument("--subject", default="", help="who performs it (folds keep a subject on one side)")
    extract.add_argument("--valence", type=float, default=None, help="the clip's valence in [-1, 1], if known")
    extract.add_argument("--arousal", type=float, default=None, help="the clip's arousal in [-1, 1], if known")
    extract.add_argument("--pose-model", default="full", choices=("lite", "full", "heavy"))
    extract.add_argument("--max-people", type=int, default=2, help="people MediaPipe looks for per frame")
    extract.add_argument("--max-frames", type=int, default=None, help="stop after this many frames (default: all)")
    extract.set_defaults(handler=_extract)

    from . import demo

    demo_parser = commands.add_parser("demo", help="footage -> bag -> node over DDS -> printed emotions + debug video")
    demo.main_args(demo_parser)
    demo_parser.set_defaults(handler=lambda args: demo.run_demo(demo.from_args(args)))

    params = commands.add_parser("params", help="print the node's parameters file, generated from its parameter table")
    params.add_argument("--write", action="store_true", help="rewrite config/emotion_perception.yaml with it")
    params.set_defaults(handler=_params)

    register_bag(commands)


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


def _extract(args: argparse.Namespace) -> int:
    from .extract import extract_clip

    clip = extract_clip(Path(args.input), args.label, PoseConfig(model=args.pose_model, max_people=args.max_people),
                        args.subject, args.valence, args.arousal, args.max_frames)
    clip.save(args.out)
    print(f"clip: {args.out} ({len(clip.stamps)} frames, label {clip.label})")
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
