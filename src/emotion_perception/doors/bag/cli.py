"""`emotion-perception bag ...`: from-video, replay and process."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ...ros.launch_plan import DEFAULT_CAMERA_TOPIC
from ..pipeline_options import add_pipeline_options, build_pipeline
from .process import DEFAULT_OUTPUT_TOPIC


def register(commands) -> None:
    bag = commands.add_parser("bag", help="rosbag2 tools: make bags from footage, replay them, process them")
    sub = bag.add_subparsers(dest="bag_command", required=True)

    make = sub.add_parser("from-video", help="real footage to a rosbag2 (Image or CompressedImage + CameraInfo)")
    make.add_argument("video", type=Path)
    make.add_argument("--out", type=Path, required=True, help="bag directory to create")
    make.add_argument("--storage", choices=("mcap", "sqlite3"), default="mcap")
    make.add_argument("--compressed", action="store_true", help="JPEG CompressedImage on TOPIC/compressed")
    make.add_argument("--topic", default=DEFAULT_CAMERA_TOPIC)
    make.add_argument("--frame-id", default="camera")
    make.add_argument("--max-frames", type=int, default=None)
    make.add_argument("--start-frame", type=int, default=0)
    make.set_defaults(handler=_from_video)

    replay = sub.add_parser("replay", help="publish a bag's messages over DDS on their recorded schedule")
    replay.add_argument("bag", type=Path)
    replay.add_argument("--rate", type=float, default=1.0)
    replay.add_argument("--loop", action="store_true", help="start over at the end (stamps jump back)")
    replay.add_argument("--clock", action="store_true", help="publish the bag time on /clock (for use_sim_time)")
    replay.add_argument("--remap", action="append", default=[], metavar="FROM:=TO", help="publish topic FROM as TO")
    replay.add_argument("--wait-subscribers", type=int, default=0, metavar="N",
                        help="first wait until every topic has N subscribers (up to 30 s)")
    replay.set_defaults(handler=_replay)

    process = sub.add_parser("process", help="the node's pipeline over a bag, without DDS, into an MCAP result bag")
    process.add_argument("bag", type=Path)
    process.add_argument("--out", type=Path, required=True, help="result bag directory to create")
    process.add_argument("--topic", default=None, help="image topic (default: the bag's only one)")
    process.add_argument("--output-topic", default=DEFAULT_OUTPUT_TOPIC)
    process.add_argument("--max-frames", type=int, default=None)
    add_pipeline_options(process)
    process.set_defaults(handler=_process)


def _from_video(args: argparse.Namespace) -> int:
    from .from_video import video_to_bag

    summary = video_to_bag(args.video, args.out, topic=args.topic, storage=args.storage, compressed=args.compressed,
                           frame_id=args.frame_id, max_frames=args.max_frames, start_frame=args.start_frame)
    print(f"bag: {summary.path} ({args.storage}, {summary.frames} frames at {summary.fps:g} fps on "
          f"{summary.image_topic}, camera info on {summary.info_topic})")
    return 0


def _replay(args: argparse.Namespace) -> int:
    import rclpy
    from rclpy.executors import ExternalShutdownException

    from .replay import BagPlayer, parse_remaps

    remaps = parse_remaps(args.remap)
    rclpy.init()
    node = rclpy.create_node("emotion_perception_bag_player")
    try:
        player = BagPlayer(node, args.bag, rate=args.rate, loop=args.loop, clock=args.clock, remaps=remaps)
        if args.wait_subscribers and not player.wait_for_subscribers(args.wait_subscribers):
            print(
                f"not every topic had {args.wait_subscribers} subscriber(s) after 30 s; playing anyway", file=sys.stderr
            )
        report = player.play()
        print(
            f"replayed {sum(report.published.values())} messages in {report.seconds:.1f} s "
            f"({', '.join(f'{t}: {n}' for t, n in sorted(report.published.items()))})"
        )
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


def _process(args: argparse.Namespace) -> int:
    from .process import process_bag

    pipeline = build_pipeline(args)
    try:
        report = process_bag(
            pipeline, args.bag, args.out, topic=args.topic, output_topic=args.output_topic, max_frames=args.max_frames
        )
    finally:
        pipeline.close()
    bad = ", ".join(f"{k}: {v}" for k, v in sorted(report.bad_inputs.items())) or "none"
    print(
        f"result bag: {args.out} ({report.frames} frames, {report.people} person detections, "
        f"{report.emotions} with an emotion, {report.clock_resets} clock resets, bad inputs: {bad})"
    )
    return 0

