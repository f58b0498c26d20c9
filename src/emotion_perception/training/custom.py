"""Retraining EmotiPoseformer on a user's own labelled clips with any taxonomy."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

from ..core.contract import ModelMetadata
from ..core.inference import save_model
from ..core.normalize import NORMALIZATION_VERSION
from ..core.windows import WindowConfig
from .clips import LandmarkClip, clips_to_arrays, load_taxonomy
from .recipe import RECIPE, WINDOW, fit
from .train import TrainConfig


def train_on_clips(clip_paths: Sequence[Path], taxonomy_path: Path, out: Path, config: TrainConfig = TrainConfig(),
                   window: WindowConfig = WINDOW, license_text: str = "as the user's own data",
                   progress: bool = True) -> Path:
    name, classes, affect_defaults = load_taxonomy(taxonomy_path)
    clips = [LandmarkClip.load(path) for path in clip_paths]
    features, labels, affect, known = clips_to_arrays(clips, classes, window, affect_defaults)
    if len(features) == 0:
        raise ValueError("no clip gave a window with enough valid frames (is the person visible?)")
    model_config = dataclasses.replace(RECIPE.model, num_classes=len(classes), window_length=window.length)
    recipe = dataclasses.replace(RECIPE, model=model_config, classes=tuple(classes), train=config)
    model, history = fit(recipe, features, labels, affect, affect_known=known, progress=progress,
                         description=f"train {name}")
    metadata = ModelMetadata(
        model_id=f"emotiposeformer-{name}/custom", labels=classes, window_length=window.length, fps=window.fps,
        normalization_version=NORMALIZATION_VERSION, license=license_text,
        training_data=f"{len(clips)} user clips, {len(features)} windows",
        extra={"model_config": model_config.to_dict(), "train_config": config.to_dict(),
               "final_train_loss": history.train_loss[-1], "affect_trained": bool(known.any())},
    )
    save_model(model, metadata, out)
    return out
