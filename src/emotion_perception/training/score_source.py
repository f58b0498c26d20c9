"""Score any model on any labelled source: `emotion-perception evaluate --source PATH.yaml`.

A user's own capture (or a studio we do not have) is described by a source file like
config/mocap_sources/*.yaml, whose data paths may be absolute. Every labelled clip is judged as a
held-out source is in the headline evaluation (cross_source.score): the windows the node would
emit from four cameras, the argmax over all the model's classes, tempo checks where it applies.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

from ..core.errors import ModelLoadError
from ..core.inference import load_model
from ..core.pipeline import default_model_path
from .cross_source import held_out_set, score
from .mocap.corpus import list_clips
from .mocap.sources import load_source
from .recipe import WINDOW
from .train import predict


def score_source(source_file: Path, model_path: Optional[Path] = None, seed: int = 0,
                 out: Optional[Path] = None) -> dict:
    """Every figure of the model on the source's labelled clips (written to `out` as JSON)."""
    source = load_source(str(source_file))
    loaded = load_model(model_path or default_model_path())
    metadata = loaded.metadata
    if (metadata.window_length, metadata.fps) != (WINDOW.length, WINDOW.fps):
        raise ModelLoadError(f"{loaded.path}: scoring needs a model of the training window "
                             f"({WINDOW.length} frames at {WINDOW.fps} fps)")
    model_classes = tuple(metadata.labels)
    clips = list_clips([str(source_file)])
    classes = [c for c in model_classes if c in {clip.label for clip in clips if not clip.tempo_control}]
    if not classes:
        raise ValueError(f"{source_file}: no labelled clip of the model's classes {list(model_classes)} found "
                         "(check its files, pattern and labels)")
    held_out = held_out_set(clips, classes, seed, model_classes)

    def answers(x: np.ndarray) -> np.ndarray:
        return predict(loaded.module, x)[0]

    probabilities, affect = predict(loaded.module, held_out.test[0].features)
    result = {"source": source.name, "source_file": str(source_file), "model_id": metadata.model_id,
              "model_file": str(loaded.path), **score(held_out, answers, probabilities, affect, seed)}
    if out is not None:
        Path(out).write_text(json.dumps(result, indent=2) + "\n")
    return result
