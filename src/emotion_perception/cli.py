"""`emotion-perception`: one command line, each folder adding its own subcommands.

This module sits above every folder and nothing imports it: the folders stay ignorant of each
other's commands (test/test_static_checks.py checks the import graph).
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Optional

from .bench.commands import register as register_bench
from .core.errors import EmotionPerceptionError
from .doors.commands import register as register_doors
from .doors.native_logs import quiet_native_logs
from .training.commands import register as register_training


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emotion-perception", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="debug logging, MediaPipe's native log lines and tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)
    for register in (register_doors, register_training, register_bench):
        register(commands)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = make_parser().parse_args(argv)
    if not args.verbose:
        quiet_native_logs()
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
