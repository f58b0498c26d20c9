"""Every parameter of the node, once: name, default, type, range, description, run-time safety.

The node declares from this table, `config/emotion_perception.yaml` must list exactly these
names and defaults, and the launch file's arguments map onto them; tests hold all three to it.
"Run-time safe" parameters change the running pipeline at once; the others are read on
configure/activate and are refused with a reason while the node is configured.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from ..core.pose import DEFAULT_MAX_TILES
from ..core.smoothing import DEFAULT_MIN_CONFIDENCE
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
    ParameterSpec("pose_model", "full", "MediaPipe pose model", choices=("lite", "full", "heavy")),
    ParameterSpec("max_people", 4, "most people tracked per image", minimum=1, maximum=16),
    ParameterSpec(
        "tile_size",
        0,
        "detection tiles in pixels for small, distant people (0 = whole image only)",
        minimum=0,
        maximum=4096,
    ),
    ParameterSpec(
        "max_tiles",
        DEFAULT_MAX_TILES,
        "most detection tiles per image (about 100 MB each); beyond it tiles are made larger until they fit",
        minimum=1,
        maximum=64,
    ),
    ParameterSpec("min_detection_confidence", 0.5, "MediaPipe person detection threshold", minimum=0.0, maximum=1.0),
    ParameterSpec("min_tracking_confidence", 0.5, "MediaPipe landmark tracking threshold", minimum=0.0, maximum=1.0),
    ParameterSpec(
        "window_length",
        0,
        "frames per window; 0 = the model's own (any other value must equal it)",
        minimum=0,
        maximum=600,
    ),
    ParameterSpec("stride", 1, "frames of a person between two inferences", runtime_safe=True, minimum=1, maximum=60),
    ParameterSpec(
        "smoothing",
        0.4,
        "EMA weight of the newest prediction (1 = no smoothing)",
        runtime_safe=True,
        minimum=0.01,
        maximum=1.0,
    ),
    ParameterSpec(
        "min_confidence",
        DEFAULT_MIN_CONFIDENCE,
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

PARAMETERS_FILE_HEADER = """\
# emotion_perception node parameters: every parameter and its default.
# Run-time safe parameters (marked) can be changed while the node runs; the others are read
# on configure/activate. `/**` applies to the node under any name or namespace.
/**:
  ros__parameters:
"""


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

