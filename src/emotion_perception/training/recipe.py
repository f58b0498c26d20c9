"""The shipped model's recipe, in one place: window, model size and inputs, training, simulation.

Export, evaluation, the cross-source ablation, custom training and the tests all read it from
here. What each choice is worth, measured leave-one-source-out, is in the model card's ablation
table (`make evaluate` writes it).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from torch import nn

from ..core.windows import WindowConfig
from .mocap.corpus import CLASSES
from .mocap_windows import Simulation
from .model import EmotiPoseformer, EmotiPoseformerConfig, Ensemble, LstmBaseline, seeded
from .train import History, TrainConfig, train_model

WINDOW = WindowConfig(length=30, fps=15.0, min_valid_frames=15)
# The classes both studios label: the cross-source evaluation is judged on these.
SHARED_CLASSES = ("neutral", "sad", "angry", "proud")
# The seed's LSTM 2x256 baseline trains this long (longer fits the training actors more closely).
LSTM_BASELINE_EPOCHS = 8


@dataclass(frozen=True)
class Recipe:
    model: EmotiPoseformerConfig
    train: TrainConfig = TrainConfig()
    simulation: Simulation = Simulation()
    source_balanced: bool = False  # class loss weighs each source equally
    # Epochs of a 2x256 LSTM (the seed's baseline) trained beside the transformer on the same
    # windows and seed, its probabilities averaged with the transformer's (model.Ensemble); 0: the
    # transformer alone.
    recurrent_member_epochs: int = 0

    def to_dict(self) -> dict:
        return {"model": self.model.to_dict(), "train": self.train.to_dict(), "simulation": self.simulation.to_dict(),
                "source_balanced": self.source_balanced, "recurrent_member_epochs": self.recurrent_member_epochs}


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


def trained_lstm_baseline(model: nn.Module, recipe: Recipe, epochs: int) -> Optional[nn.Module]:
    """The ensemble's LSTM when it is the seed's LSTM baseline (the same windows, seed and number
    of epochs), so that an evaluation scores it alone instead of training the same network twice."""
    if isinstance(model, Ensemble) and recipe.recurrent_member_epochs == epochs:
        return model.members[1]
    return None


BASE_MODEL = EmotiPoseformerConfig(num_classes=len(CLASSES), window_length=WINDOW.length)
# Xia alone has 1,974 windows, every Bandai set 16,894 or more: at 15 passes the Xia-trained
# transformer got a tenth of the steps. Counting an epoch as at least 12,800 windows gives it 98
# passes (the LSTM 52) and changes nothing trained on Bandai; Xia -> Bandai macro-F1 of the
# average: 0.217 +- 0.044 -> 0.307 +- 0.027 (model card). A fix of training length, not a
# generalisation idea, so the ablation's baseline has it too.
TRAIN = TrainConfig(min_epoch_windows=12_800)
# Before the cross-source work: visibility read, bodies as recorded, tempo within 15 %.
BASELINE = Recipe(BASE_MODEL, train=TRAIN)
# What raised the leave-one-source-out score in the ablation, one seed (Bandai -> Xia macro-F1
# 0.352 -> 0.367, 0.406, 0.395 alone; Xia -> Bandai 0.264 -> 0.290, 0.289, 0.286): visibility
# zeroed, bodies +-15 %, tempo 0.6-1.6x. Relative velocities (0.140 / 0.226) and joint attention
# (0.290 / 0.267) lowered it and stay out. Source-balanced loss matters only with two sources,
# i.e. for the shipped model.
RECIPE = Recipe(
    dataclasses.replace(BASE_MODEL, use_visibility=False),
    train=TRAIN,
    simulation=Simulation(speed_range=(0.6, 1.6), body_scale=0.15),
    source_balanced=True,
    # Averaging the LSTM in raises Bandai -> Xia over the transformer alone (0.417 against 0.360,
    # seeds 0-2) and leads both members alone from Xia to Bandai (0.307 against 0.301 and 0.284);
    # `make evaluate` reports the members alone beside the average.
    recurrent_member_epochs=LSTM_BASELINE_EPOCHS,
)
CHOSEN = RECIPE.model
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
