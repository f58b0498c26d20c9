"""The shipped model's recipe, in one place: window, model size and inputs, training, simulation.

Export, evaluation, the cross-source ablation, custom training and the tests all read it from
here. What each choice is worth, measured leave-one-source-out, is in the model card's ablation
table (`make evaluate` writes it).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..mocap.corpus import CLASSES
from ..windows import WindowConfig
from .mocap_windows import Simulation
from .model import EmotiPoseformerConfig
from .train import TrainConfig

WINDOW = WindowConfig(length=30, fps=15.0, min_valid_frames=15)
# The classes both studios label: the cross-source evaluation is judged on these.
SHARED_CLASSES = ("neutral", "sad", "angry", "proud")


@dataclass(frozen=True)
class Recipe:
    model: EmotiPoseformerConfig
    train: TrainConfig = TrainConfig()
    simulation: Simulation = Simulation()
    source_balanced: bool = False  # class loss weighs each source equally

    def to_dict(self) -> dict:
        return {"model": self.model.to_dict(), "train": self.train.to_dict(), "simulation": self.simulation.to_dict(),
                "source_balanced": self.source_balanced}


BASE_MODEL = EmotiPoseformerConfig(num_classes=len(CLASSES), window_length=WINDOW.length)
# Before the cross-source work: visibility read, bodies as recorded, tempo within 15 %.
BASELINE = Recipe(BASE_MODEL)
RECIPE = Recipe(
    dataclasses.replace(BASE_MODEL, use_visibility=False),
    simulation=Simulation(speed_range=(0.7, 1.4), body_scale=0.15),
    source_balanced=True,
)
CHOSEN = RECIPE.model
# The generalisation ideas, each added alone to BASELINE, then all together (model card table).
IDEAS = {
    "visibility channel zeroed": lambda r: dataclasses.replace(r, model=dataclasses.replace(r.model, use_visibility=False)),
    "body proportions +-15 %": lambda r: dataclasses.replace(r, simulation=dataclasses.replace(r.simulation, body_scale=0.15)),
    "tempo 0.6-1.6x": lambda r: dataclasses.replace(r, simulation=dataclasses.replace(r.simulation, speed_range=(0.6, 1.6))),
    "relative velocities": lambda r: dataclasses.replace(r, model=dataclasses.replace(r.model, relative_velocity=True)),
    "joint attention": lambda r: dataclasses.replace(r, model=dataclasses.replace(r.model, joint_attention=True)),
}


def ablation_variants() -> dict[str, Recipe]:
    variants = {"baseline (none)": BASELINE}
    variants.update({f"+ {name}": change(BASELINE) for name, change in IDEAS.items()})
    everything = BASELINE
    for change in IDEAS.values():
        everything = change(everything)
    variants["all of the above"] = everything
    return variants
