"""The training loop shared by EmotiPoseformer and the LSTM baseline.

Focal loss (gamma 2) on the classes, because even after view balancing some classes are far
easier than others; mean squared error on valence/arousal. Augmentations act on normalized
windows, so they are the same for every source: mirroring (left/right joints swapped; our
labels are not side-specific, so the label stays), in-plane rotation and scale (camera jitter)
and joint dropout (zeroed and masked, as the live pipeline marks a lost joint). Speed jitter and
new camera views are made when windows are generated (mocap_windows.py).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..core.normalize import COORDINATE_LIMIT, mirror_features
from .metrics import macro_f1


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 15
    batch_size: int = 128
    learning_rate: float = 1e-3
    weight_decay: float = 0.05
    focal_gamma: float = 2.0
    affect_weight: float = 0.5
    mirror_probability: float = 0.5
    joint_dropout: float = 0.05
    rotate_degrees: float = 10.0
    scale_jitter: float = 0.1
    seed: int = 0
    # An epoch counts as a pass over at least this many windows (0: a pass over the set). Epochs
    # are tuned on large sets; a small source trained for the same number of passes gets a
    # fraction of the optimizer steps and stays undertrained.
    min_epoch_windows: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def training_epochs(config: TrainConfig, windows: int) -> int:
    """Passes over `windows` windows: `config.epochs`, raised so that a small set gets as many
    optimizer steps as a set of `config.min_epoch_windows` windows would."""
    if windows <= 0:
        return config.epochs
    return max(config.epochs, int(np.ceil(config.epochs * config.min_epoch_windows / windows)))


@dataclass
class History:
    train_loss: list[float] = field(default_factory=list)
    val_macro_f1: list[float] = field(default_factory=list)


def focal_loss(logits: torch.Tensor, target: torch.Tensor, gamma: float,
               weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    log_p = torch.log_softmax(logits, dim=-1).gather(1, target[:, None]).squeeze(1)
    loss = -(1.0 - log_p.exp()) ** gamma * log_p
    return loss.mean() if weight is None else (loss * weight).sum() / torch.clamp(weight.sum(), min=1e-9)


def augment(batch: np.ndarray, rng: np.random.Generator, config: TrainConfig) -> np.ndarray:
    batch = batch.copy()
    flip = rng.random(len(batch)) < config.mirror_probability
    batch[flip] = mirror_features(batch[flip])
    angle = np.radians(rng.uniform(-config.rotate_degrees, config.rotate_degrees, len(batch)))
    scale = rng.uniform(1 - config.scale_jitter, 1 + config.scale_jitter, len(batch))
    cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
    x, y = batch[..., 0].copy(), batch[..., 1].copy()
    batch[..., 0] = cos[:, None, None] * x - sin[:, None, None] * y
    batch[..., 1] = sin[:, None, None] * x + cos[:, None, None] * y
    drop = rng.random(batch.shape[:3]) < config.joint_dropout
    batch[drop] = 0.0
    present = batch[..., 3:4] > 0.5
    batch[..., :2] = np.where(present, np.clip(batch[..., :2], -COORDINATE_LIMIT, COORDINATE_LIMIT), 0.0)
    return batch


def train_model(model: nn.Module, features: np.ndarray, labels: np.ndarray, valence_arousal: np.ndarray,
                config: TrainConfig, validation: Optional[tuple[np.ndarray, np.ndarray]] = None,
                progress: bool = True, description: str = "train",
                affect_known: Optional[np.ndarray] = None, groups: Optional[np.ndarray] = None) -> History:
    """Trains in place. `affect_known` [N] marks windows whose valence/arousal targets are real;
    the others (a custom taxonomy without affect values) do not teach the affect head. `groups`
    [N] (the source of each window): the class loss weighs every group equally, however many
    windows it has, so one studio's actors cannot dominate what the model learns."""
    # Seeded locally: dropout and the batch order follow config.seed, and the caller's global torch
    # generator is left as it was (fork_rng restores it).
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return _train_seeded(model, features, labels, valence_arousal, config, validation, progress, description,
                             affect_known, groups)


def _train_seeded(model: nn.Module, features: np.ndarray, labels: np.ndarray, valence_arousal: np.ndarray,
                  config: TrainConfig, validation: Optional[tuple[np.ndarray, np.ndarray]], progress: bool,
                  description: str, affect_known: Optional[np.ndarray], groups: Optional[np.ndarray]) -> History:
    known = np.ones(len(labels), bool) if affect_known is None else np.asarray(affect_known, bool)
    weights = None
    if groups is not None:
        _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
        weights = (len(groups) / (len(counts) * counts[inverse])).astype(np.float32)
    rng = np.random.default_rng(config.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    epochs = training_epochs(config, len(labels))
    steps = epochs * int(np.ceil(len(labels) / config.batch_size))
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.learning_rate, total_steps=steps, pct_start=0.1
    )
    history = History()
    bar = tqdm(total=steps, disable=not progress, desc=description, unit="step", leave=False)
    for _ in range(epochs):
        model.train()
        order = rng.permutation(len(labels))
        losses = []
        for start in range(0, len(order), config.batch_size):
            index = order[start : start + config.batch_size]
            x = torch.from_numpy(augment(features[index], rng, config))
            logits, affect = model.logits(x)
            weight = None if weights is None else torch.from_numpy(weights[index])
            loss = focal_loss(logits, torch.from_numpy(labels[index]).long(), config.focal_gamma, weight)
            mask = torch.from_numpy(known[index]).float()[:, None]
            squared = (affect - torch.from_numpy(valence_arousal[index])) ** 2 * mask
            loss = loss + config.affect_weight * squared.sum() / torch.clamp(mask.sum() * 2.0, min=1.0)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            bar.update(1)
        history.train_loss.append(float(np.mean(losses)))
        if validation is not None:
            probabilities, _ = predict(model, validation[0])
            history.val_macro_f1.append(macro_f1(validation[1], probabilities.argmax(1), probabilities.shape[1]))
    bar.close()
    model.eval()
    return history


@torch.inference_mode()
def predict(model: nn.Module, features: np.ndarray, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    probabilities, affect = [], []
    for start in range(0, len(features), batch_size):
        p, va = model(torch.from_numpy(np.ascontiguousarray(features[start : start + batch_size])))
        probabilities.append(p.numpy())
        affect.append(va.numpy())
    return np.concatenate(probabilities), np.concatenate(affect)
