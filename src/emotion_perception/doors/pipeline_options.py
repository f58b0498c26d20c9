"""The node's pipeline parameters as command-line flags, for every door that runs the pipeline
outside ROS (video, bag process): generated from the node's one parameter table."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the pipeline imports MediaPipe: not for `--help`
    from ..core.pipeline import Pipeline


def add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    """The node's pipeline parameters as flags, plus --model and --no-model."""
    from ..ros.node_parameters import add_cli_options

    add_cli_options(parser)
    parser.add_argument("--model", dest="model_path", type=str, default=None, help="the same as --model-path")
    parser.add_argument("--no-model", action="store_true", help="poses and ids only, no emotion model")


def build_pipeline(args: argparse.Namespace) -> "Pipeline":
    """The pipeline the node would build with these values (ros/node_parameters.pipeline_from)."""
    from ..ros.node_parameters import cli_values, pipeline_from

    return pipeline_from(cli_values(args), with_model=not args.no_model)
