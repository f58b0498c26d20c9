"""Recipes: window, model size and inputs, training, simulation, as one value.

The shipped recipe is a file, config/recipes/shipped.yaml, and so is any variant under trial
(`--recipe PATH`): export, evaluation, the ablation, custom training and the tests all read it
from here. What each choice is worth, measured leave-one-source-out, is in the model card's
ablation table (`make evaluate` writes it).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
from torch import nn

from ..core.data_sources import REPOSITORY_ROOT
from ..core.windows import WindowConfig
from .mocap.corpus import CLASSES, Clip
from .mocap_windows import Simulation
from .model import EmotiPoseformer, EmotiPoseformerConfig, Ensemble, LstmBaseline, seeded
from .train import History, TrainConfig, train_model

WINDOW = WindowConfig(length=30, fps=15.0, min_valid_frames=15)
# The seed's LSTM 2x256 baseline trains this long (longer fits the training actors more closely).
LSTM_BASELINE_EPOCHS = 8
RECIPES_DIR = REPOSITORY_ROOT / "config" / "recipes"


@dataclass(frozen=True)
class Recipe:
    model: EmotiPoseformerConfig
    train: TrainConfig = TrainConfig()
    # The classes the model learns, in its output order; a recipe file chooses some of the sources'
    # classes (CLASSES), and clips of the others are not trained on.
    classes: tuple[str, ...] = CLASSES
    simulation: Simulation = Simulation()
    source_balanced: bool = False  # class loss weighs each source equally
    # Epochs of a 2x256 LSTM (the seed's baseline) trained beside the transformer on the same
    # windows and seed, its probabilities averaged with the transformer's (model.Ensemble); 0: the
    # transformer alone.
    recurrent_member_epochs: int = 0

    def __post_init__(self) -> None:
        if self.model.num_classes != len(self.classes) or len(set(self.classes)) != len(self.classes):
            raise ValueError(f"model has {self.model.num_classes} outputs for the classes {list(self.classes)}")

    def taught(self, clips: Sequence[Clip]) -> list[Clip]:
        """The clips of the recipe's classes: all a model of this recipe may be trained or judged on."""
        return [c for c in clips if c.label in self.classes]

    def to_dict(self) -> dict:
        return {"classes": list(self.classes), "model": self.model.to_dict(), "train": self.train.to_dict(),
                "simulation": self.simulation.to_dict(), "source_balanced": self.source_balanced,
                "recurrent_member_epochs": self.recurrent_member_epochs}


def untrained(recipe: Recipe) -> nn.Module:
    """The recipe's network before training (what a saved state_dict loads into)."""
    transformer = EmotiPoseformer(recipe.model)
    if not recipe.recurrent_member_epochs:
        return transformer
    return Ensemble([transformer, LstmBaseline(recipe.model.num_classes)])


def fit(recipe: Recipe, features: np.ndarray, labels: np.ndarray, valence_arousal: np.ndarray,
        groups: Optional[np.ndarray] = None, affect_known: Optional[np.ndarray] = None,
        validation: Optional[tuple[np.ndarray, np.ndarray]] = None, progress: bool = True,
        description: str = "train") -> tuple[nn.Module, History]:
    """The recipe's model trained on these windows, and the transformer's history: the one way
    every caller (export, both evaluations, custom training) makes a model from a recipe."""
    transformer = seeded(lambda: EmotiPoseformer(recipe.model), recipe.train.seed)
    history = train_model(transformer, features, labels, valence_arousal, recipe.train, validation=validation,
                          progress=progress, description=description, affect_known=affect_known, groups=groups)
    if not recipe.recurrent_member_epochs:
        return transformer, history
    lstm = seeded(lambda: LstmBaseline(recipe.model.num_classes), recipe.train.seed)
    train_model(lstm, features, labels, valence_arousal,
                dataclasses.replace(recipe.train, epochs=recipe.recurrent_member_epochs), progress=progress,
                description=f"{description} lstm member", affect_known=affect_known, groups=groups)
    return Ensemble([transformer, lstm]).eval(), history


def lstm_baseline(model: nn.Module, recipe: Recipe, features: np.ndarray, labels: np.ndarray,
                  valence_arousal: np.ndarray, groups: Optional[np.ndarray] = None,
                  epochs: int = LSTM_BASELINE_EPOCHS, progress: bool = True, description: str = "lstm") -> nn.Module:
    """The seed's LSTM 2x256 trained `epochs` on the windows `model` was trained on: the ensemble's
    own member when it is exactly that (same windows, seed and epochs), so that an evaluation
    never trains the same network twice."""
    if isinstance(model, Ensemble) and recipe.recurrent_member_epochs == epochs:
        return model.members[1]
    lstm = seeded(lambda: LstmBaseline(recipe.model.num_classes), recipe.train.seed)
    train_model(lstm, features, labels, valence_arousal, dataclasses.replace(recipe.train, epochs=epochs),
                progress=progress, description=description, groups=groups)
    return lstm.eval()


BASE_MODEL = EmotiPoseformerConfig(num_classes=len(CLASSES), window_length=WINDOW.length)
SECTIONS = ("classes", "model", "train", "simulation", "source_balanced", "recurrent_member_epochs")


def recipe_from_dict(data: dict) -> Recipe:
    """A recipe from a file's contents: each section changes only the settings it names; the
    model's outputs follow the classes."""
    simulation = {k: tuple(v) if isinstance(v, list) else v for k, v in (data.get("simulation") or {}).items()}
    classes = tuple(data.get("classes") or CLASSES)
    if any(c not in CLASSES for c in classes) or "neutral" not in classes:
        raise ValueError(f"classes {list(classes)}: some of the sources' {list(CLASSES)}, neutral among them "
                         "(tempo takes train as neutral)")
    model = dataclasses.replace(BASE_MODEL, **(data.get("model") or {}), num_classes=len(classes))
    return Recipe(model=model, classes=classes,
                  train=TrainConfig(**(data.get("train") or {})), simulation=Simulation(**simulation),
                  source_balanced=bool(data.get("source_balanced", False)),
                  recurrent_member_epochs=int(data.get("recurrent_member_epochs", 0)))


def load_recipe(path: Path) -> Recipe:
    import yaml

    data = yaml.safe_load(Path(path).read_text()) or {}
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ValueError(f"{path}: unknown recipe sections {sorted(unknown)}")
    try:
        return recipe_from_dict(data)
    except (TypeError, ValueError) as error:  # a misspelt setting or class: say which file
        raise ValueError(f"{path}: {error}") from error


RECIPE = load_recipe(RECIPES_DIR / "shipped.yaml")
CHOSEN = RECIPE.model
# Before the cross-source work: visibility read, bodies as recorded, tempo within 15 %; trained as
# long as the shipped recipe (the epoch rule is a fix of training length, not an idea to test).
BASELINE = Recipe(dataclasses.replace(BASE_MODEL, num_classes=len(RECIPE.classes)), classes=RECIPE.classes,
                  train=RECIPE.train)


def _model(**changes) -> Callable[[Recipe], Recipe]:
    return lambda r: dataclasses.replace(r, model=dataclasses.replace(r.model, **changes))


def _simulation(**changes) -> Callable[[Recipe], Recipe]:
    return lambda r: dataclasses.replace(r, simulation=dataclasses.replace(r.simulation, **changes))


# The generalisation ideas, each added alone to BASELINE, then all together (model card table).
IDEAS: dict[str, Callable[[Recipe], Recipe]] = {
    "visibility channel zeroed": _model(use_visibility=False),
    "body proportions +-15 %": _simulation(body_scale=0.15),
    "tempo 0.6-1.6x": _simulation(speed_range=(0.6, 1.6)),
    "relative velocities": _model(relative_velocity=True),
    "joint attention": _model(joint_attention=True),
}


def ablation_variants() -> dict[str, Recipe]:
    variants = {"baseline (none)": BASELINE}
    variants.update({f"+ {name}": change(BASELINE) for name, change in IDEAS.items()})
    everything = BASELINE
    for change in IDEAS.values():
        everything = change(everything)
    variants["all of the above"] = everything
    return variants
