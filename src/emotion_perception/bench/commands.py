"""The `bench` subcommand: what the node costs, into reports/bench/latest.json."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(commands) -> None:
    bench = commands.add_parser("bench", help="measure latency, overhead, overload and memory; write reports/bench")
    bench.add_argument("--out", type=Path, default=Path("reports/bench/latest.json"))
    bench.add_argument("--repeats", type=int, default=5, help="alternating pass pairs per overhead figure")
    bench.add_argument("--overload-frames", type=int, default=150, help="frames published at each overload rate")
    bench.add_argument("--memory-frames", type=int, default=3000, help="100000 for the full memory check")
    bench.add_argument("--tiles-only", action="store_true",
                       help="re-measure only the detection-tile table, keeping the other figures of --out")
    bench.add_argument("--model-only", action="store_true",
                       help="re-measure only the figures that move with the model (overhead, stages, model shares, "
                            "batched forward), keeping the overload, memory and tile figures of --out")
    bench.set_defaults(handler=_bench)


def _bench(args: argparse.Namespace) -> int:
    from .run import markdown, run, update_part

    if args.tiles_only or args.model_only:
        report = update_part(args.out, "tiles" if args.tiles_only else "model", repeats=args.repeats)
    else:
        report = run(args.out, repeats=args.repeats, overload_frames=args.overload_frames,
                     memory_frames=args.memory_frames)
    print(markdown(report))
    print(f"wrote {args.out}")
    return 0
