"""Training the shipped model on every source and exporting it under the model contract.

The model learns from all sources' clips except the held-out motions (cross_source.holdout_clips),
on which its invariance is measured. Its temperature is fitted on people its weights never saw:
each source as scored by the recipe trained on the other sources. Both are embedded in the file.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from ..core.checksums import sha256_of
from ..core.contract import ModelMetadata
from ..core.inference import save_model
from ..core.normalize import NORMALIZATION_VERSION
from .cross_source import held_out_sets, holdout_clips, train_leaving_out_each, train_recipe, unseen_source_temperature
from .identity import MODEL_ID, recipe_hash
from .invariance import agreement
from .mocap.corpus import CIRCUMPLEX_DEGREES, SOURCES, list_clips
from .mocap.sources import load_source
from .model import quantize_int8
from .recipe import RECIPE, WINDOW, Recipe
from .train import predict


def license_text() -> str:
    """Every source's terms (Bandai's CC BY-NC 4.0 first: the strictest), with its credit."""
    return "; ".join(f"{s.license} ({s.title}; credit {s.credit})" for s in map(load_source, SOURCES))


def metadata_for(model_id: str, recipe: Recipe, extra: dict) -> ModelMetadata:
    return ModelMetadata(
        model_id=model_id, labels=recipe.classes, window_length=WINDOW.length, fps=WINDOW.fps,
        normalization_version=NORMALIZATION_VERSION, license=license_text(),
        training_data="motion capture of " + ", ".join(load_source(n).title for n in SOURCES)
                      + ", affective styles, projected through random virtual cameras",
        extra=extra,
    )


def train_and_export(out_dir: Path, recipe: Recipe = RECIPE, seed: int = 0, progress: bool = True) -> Path:
    clips = list_clips()
    held = holdout_clips(clips)
    # The recipe without each source first: scored on the source it never saw, they give the
    # temperature for people the shipped weights never saw (the evaluation calibrates the same way).
    tests = held_out_sets(clips, seed, recipe.classes)
    calibration = unseen_source_temperature(train_leaving_out_each(recipe, clips, tests, seed, progress), tests,
                                            sorted(tests))
    model, windows = train_recipe(recipe, [c for c in clips if c.name not in held], seed, progress)
    held_clips = [c for c in clips if c.name in held]
    model.temperature.fill_(calibration["temperature"])
    invariance = agreement(lambda x: predict(model, x)[0], recipe.taught(held_clips), seed)
    extra = {"recipe": recipe.to_dict(), "recipe_hash": recipe_hash(recipe), "windows": int(len(windows)),
             "calibration": calibration, "invariance": invariance, "held_out_clips": sorted(held),
             "circumplex_degrees": CIRCUMPLEX_DEGREES}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "emotiposeformer.pt"
    save_model(model, metadata_for(MODEL_ID, recipe, extra), path)
    path.with_name(path.name + ".sha256").write_text(f"{sha256_of(path)}  {path.name}\n")
    save_model(torch.jit.script(quantize_int8(model)), metadata_for(MODEL_ID + "-int8", recipe, extra),
               out_dir / "emotiposeformer_int8.pt")
    (out_dir / "emotiposeformer.json").write_text(json.dumps({"calibration": calibration, "invariance": invariance},
                                                             indent=2) + "\n")
    return path
