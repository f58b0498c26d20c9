"""Every parameter of the node, once: name, default, type, range, description, run-time safety.

The node declares from this table, `config/emotion_perception.yaml` must list exactly these
names and defaults, and the launch file's arguments map onto them; tests hold all three to it.
"Run-time safe" parameters change the running pipeline at once; the others are read on
configure/activate and are refused with a reason while the node is configured.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Union

from ..core.pipeline import PipelineConfig, RuntimeSettings
from ..core.pose import PoseConfig
from ..core.stats import DEFAULT_HORIZON_S

Value = Union[bool, int, float, str]


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    default: Value
    description: str
    runtime_safe: bool = False
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    choices: tuple[str, ...] = ()

    def problem(self, value: Value) -> Optional[str]:
        """Why `value` is not acceptable, or None."""
        if type(value) is not type(self.default) and not (isinstance(self.default, float) and type(value) is int):
            return f"{self.name} must be a {type(self.default).__name__}, got {type(value).__name__}"
        if self.choices and value not in self.choices:
            return f"{self.name} must be one of {', '.join(self.choices)}, got '{value}'"
        if self.minimum is not None and value < self.minimum:
            return f"{self.name} must be at least {self.minimum}, got {value}"
        if self.maximum is not None and value > self.maximum:
            return f"{self.name} must be at most {self.maximum}, got {value}"
        return None


# The pipeline's own defaults are the one source of every default the table shares with it.
_POSE, _PIPELINE = PoseConfig(), PipelineConfig()
PARAMETERS: tuple[ParameterSpec, ...] = (
    ParameterSpec("autostart", True, "configure and activate on start-up (false: wait for a lifecycle manager)"),
    ParameterSpec("model_path", "", "EmotiPoseformer TorchScript file; empty = the packaged, sha256-checked model"),
    ParameterSpec("device", "auto", "auto, cpu, cuda or cuda:N for the emotion model (MediaPipe runs on the CPU)"),
    ParameterSpec("half", True, "fp16 on CUDA (ignored on the CPU)"),
    ParameterSpec(
        "cpu_threads",
        1,
        "torch threads for the emotion model on the CPU (1 leaves MediaPipe its core)",
        minimum=1,
        maximum=64,
    ),
    ParameterSpec("pose_model", _POSE.model, "MediaPipe pose model", choices=("lite", "full", "heavy")),
    ParameterSpec("max_people", _POSE.max_people, "most people tracked per image", minimum=1, maximum=16),
    ParameterSpec(
        "tile_size",
        _POSE.tile_size,
        "detection tiles in pixels for small, distant people (0 = whole image only)",
        minimum=0,
        maximum=4096,
    ),
    ParameterSpec(
        "max_tiles",
        _POSE.max_tiles,
        "most detection tiles per image (about 100 MB each); beyond it tiles are made larger until they fit",
        minimum=1,
        maximum=64,
    ),
    ParameterSpec("tile_search_every", _POSE.tile_search_every,
                  "a detection tile where nobody was found is searched on every Nth frame only, in turn (tiles "
                  "with people, and the whole frame, on every frame); 1: every tile every frame", minimum=1,
                  maximum=30),
    ParameterSpec(
        "max_frame_sizes",
        _POSE.max_frame_sizes,
        "frame sizes whose detection landmarkers are kept (up to max_tiles + 1 each, about 100 MB apiece); "
        "the least recently seen size beyond it is closed",
        minimum=1,
        maximum=8,
    ),
    ParameterSpec("min_detection_confidence", _POSE.min_detection_confidence, "MediaPipe person detection threshold",
                  minimum=0.0, maximum=1.0),
    ParameterSpec("min_tracking_confidence", _POSE.min_tracking_confidence, "MediaPipe landmark tracking threshold",
                  minimum=0.0, maximum=1.0),
    ParameterSpec(
        "window_length",
        0,
        "frames per window; 0 = the model's own (any other value must equal it)",
        minimum=0,
        maximum=600,
    ),
    ParameterSpec("emotion_rate_hz", _PIPELINE.runtime.emotion_rate_hz,
                  "judgements per person per second of source time (image stamps); poses, ids and messages stay "
                  "per frame, each message saying how old its judgement is; at or above the camera rate: every "
                  "frame", runtime_safe=True, minimum=0.1, maximum=1000.0),
    ParameterSpec(
        "smoothing",
        _PIPELINE.runtime.smoothing_alpha,
        "EMA weight of each new judgement (1 = no smoothing); at emotion_rate_hz judgements a second",
        runtime_safe=True,
        minimum=0.01,
        maximum=1.0,
    ),
    ParameterSpec(
        "min_confidence",
        _PIPELINE.runtime.min_confidence,
        "top-class probability below which a person's label is published as 'unknown' "
        "(probabilities are always published in full)",
        runtime_safe=True,
        minimum=0.0,
        maximum=1.0,
    ),
    ParameterSpec("compressed", False, "subscribe to image/compressed (CompressedImage) instead of image"),
    ParameterSpec(
        "image_reliability",
        "best_effort",
        "QoS reliability of the image subscription",
        choices=("best_effort", "reliable"),
    ),
    ParameterSpec(
        "debug_image", True, "publish debug_image (rendered only while someone subscribes)", runtime_safe=True
    ),
    ParameterSpec("no_image_warn_s", 5.0, "after activation, seconds without an image before the node says why it "
                  "hears nothing (log and /diagnostics)", runtime_safe=True, minimum=0.5, maximum=600.0),
    ParameterSpec("hri", False, "also publish the tracked bodies as ROS4HRI (REP-155) under /humans/bodies/: "
                  "tracked, and per body roi, cropped, skeleton2d, expression (needs hri_msgs)"),
    ParameterSpec(
        "latency_warn_ms",
        250.0,
        "p95 processing latency above which diagnostics WARN",
        runtime_safe=True,
        minimum=1.0,
        maximum=60000.0,
    ),
    ParameterSpec("diagnostics_window_s", DEFAULT_HORIZON_S, "diagnostics levels are judged on the last this many "
                  "seconds (totals are kept for the node's lifetime)", runtime_safe=True, minimum=1.0, maximum=3600.0),
    ParameterSpec(
        "max_frame_age_s",
        1.0,
        "frames older than this when the worker takes them are dropped as stale",
        runtime_safe=True,
        minimum=0.01,
        maximum=60.0,
    ),
)
BY_NAME = {spec.name: spec for spec in PARAMETERS}


def refusal(name: str, value: Value, configured: bool) -> str:
    """Why the node refuses this value now (empty: accepted). Parameters not in the table are
    ROS's own (use_sim_time, ...) and left to ROS."""
    spec = BY_NAME.get(name)
    if spec is None:
        return ""
    problem = spec.problem(value)
    if problem or not configured or spec.runtime_safe:
        return problem or ""
    return f"{name} is read on configure/activate: deactivate and clean up the node, set it, then configure again"

PARAMETERS_FILE_HEADER = """\
# emotion_perception node parameters: every parameter and its default.
# Run-time safe parameters (marked) can be changed while the node runs; the others are read
# on configure/activate. `/**` applies to the node under any name or namespace.
/**:
  ros__parameters:
"""


def parameter_text(value: Value) -> str:
    """A value as `--ros-args -p name:=TEXT` takes it (booleans lower-case)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _yaml_value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _bounds(spec: ParameterSpec) -> str:
    notes = []
    if spec.choices:
        notes.append("one of " + ", ".join(spec.choices))
    if spec.minimum is not None:
        notes.append(f"{spec.minimum:g}..{spec.maximum:g}")
    if spec.runtime_safe:
        notes.append("run-time safe")
    return f" [{'; '.join(notes)}]" if notes else ""


def parameters_file() -> str:
    """config/emotion_perception.yaml as generated from PARAMETERS (`emotion-perception params
    --write` rewrites it; a test holds the file to this text)."""
    lines = [f"    # {spec.description}{_bounds(spec)}\n    {spec.name}: {_yaml_value(spec.default)}\n"
             for spec in PARAMETERS]
    return PARAMETERS_FILE_HEADER + "".join(lines)



# The parameters that shape what the pipeline outputs: every door builds its pipeline from these
# (pipeline_from), and the CLI has a flag for each (add_cli_options).
PIPELINE_PARAMETERS = ("model_path", "device", "half", "cpu_threads", "pose_model", "max_people", "tile_size",
                       "max_tiles", "tile_search_every", "max_frame_sizes", "min_detection_confidence",
                       "min_tracking_confidence", "window_length", "emotion_rate_hz", "smoothing", "min_confidence")


def parameter_values(overrides: Optional[Mapping[str, Value]] = None) -> dict[str, Value]:
    """Every parameter's value: the table's defaults, then `overrides` (checked like the node does)."""
    values: dict[str, Value] = {spec.name: spec.default for spec in PARAMETERS}
    for name, value in (overrides or {}).items():
        if name not in BY_NAME:
            raise ValueError(f"unknown parameter '{name}'")
        spec = BY_NAME[name]
        value = float(value) if isinstance(spec.default, float) and type(value) is int else value
        problem = spec.problem(value)
        if problem:
            raise ValueError(problem)
        values[name] = value
    return values


def read_parameters_file(path: Path) -> dict[str, Value]:
    """The node's parameters in a ROS 2 parameters file (under `/**` or the node's name)."""
    import yaml

    document = yaml.safe_load(Path(path).read_text()) or {}
    for key in ("/**", "emotion_perception", "/emotion_perception"):
        if key in document:
            return dict(document[key].get("ros__parameters", {}))
    raise ValueError(f"{path}: no ros__parameters for /** or emotion_perception")


def pipeline_from(values: Mapping[str, Value], with_model: bool = True):
    """The pipeline these parameter values describe (engine included, unless `with_model` is
    False: poses and ids only): what the node builds on activate, and every other door."""
    from ..core.pipeline import Pipeline, load_default_engine

    model_path = str(values["model_path"])
    engine = load_default_engine(str(values["device"]), bool(values["half"]), Path(model_path) if model_path else None,
                                 int(values["cpu_threads"])) if with_model else None
    window_length = int(values["window_length"])
    if engine is not None and window_length and window_length != engine.metadata.window_length:
        raise ValueError(f"window_length {window_length} differs from the model's {engine.metadata.window_length}")
    pose = PoseConfig(model=str(values["pose_model"]), max_people=int(values["max_people"]),
                      tile_size=int(values["tile_size"]), max_tiles=int(values["max_tiles"]),
                      max_frame_sizes=int(values["max_frame_sizes"]),
                      tile_search_every=int(values["tile_search_every"]),
                      min_detection_confidence=float(values["min_detection_confidence"]),
                      min_presence_confidence=float(values["min_detection_confidence"]),
                      min_tracking_confidence=float(values["min_tracking_confidence"]))
    return Pipeline(PipelineConfig(pose=pose, runtime=runtime_settings(values)), engine)


def runtime_settings(values: Mapping[str, Value]) -> RuntimeSettings:
    """The pipeline's run-time settings from parameter values: what the node hands its running
    pipeline whenever one of its run-time parameters changes."""
    return RuntimeSettings(emotion_rate_hz=float(values["emotion_rate_hz"]), smoothing_alpha=float(values["smoothing"]),
                           min_confidence=float(values["min_confidence"]))


def cli_flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_cli_options(parser) -> None:
    """A flag per pipeline parameter, typed and described by the table; none given: the table's
    default (or the --params-file value). pose_model also takes a .task path on the command line."""
    parser.add_argument("--params-file", type=Path, default=None,
                        help="a ROS 2 parameters file for the node; its values, then any flags given")
    for name in PIPELINE_PARAMETERS:
        spec = BY_NAME[name]
        if isinstance(spec.default, bool):
            parser.add_argument(cli_flag(name), action=argparse.BooleanOptionalAction, default=None,
                                help=f"{spec.description} (default {str(spec.default).lower()})")
            continue
        parser.add_argument(cli_flag(name), type=type(spec.default), default=None, metavar=name.upper(),
                            help=f"{spec.description}{_bounds(spec)} (default {spec.default!r})")


def cli_values(args) -> dict[str, Value]:
    """Parameter values from parsed CLI options: table defaults, the parameters file, the flags."""
    overrides = read_parameters_file(args.params_file) if args.params_file else {}
    overrides = {name: value for name, value in overrides.items() if name in BY_NAME}
    for name in PIPELINE_PARAMETERS:
        given = getattr(args, name)
        if given is not None:
            overrides[name] = given
    pose_model = overrides.pop("pose_model", None)
    values = parameter_values(overrides)
    if pose_model is not None:  # a .task path is the CLI's extension of the node's three choices
        values["pose_model"] = pose_model
    return values
