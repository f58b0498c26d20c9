"""A small model that follows the model contract, scripted on the fly for engine tests.

It is not trained and its outputs mean nothing: it exercises loading, batching and plumbing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Tuple

import torch
from torch import nn

from emotion_perception.core.contract import ModelMetadata
from emotion_perception.core.inference import save_model
from emotion_perception.core.normalize import NORMALIZATION_VERSION

LABELS = ("calm", "lively", "slumped")


class TinyContractModel(nn.Module):
    def __init__(self, num_classes: int = len(LABELS), hidden: int = 16) -> None:
        super().__init__()
        self.frame = nn.Linear(33 * 4, hidden)
        self.classes = nn.Linear(hidden, num_classes)
        self.affect = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        b, t = x.shape[0], x.shape[1]
        h = torch.relu(self.frame(x.reshape(b, t, -1))).mean(dim=1)  # [B, hidden]
        return torch.softmax(self.classes(h), dim=-1), torch.tanh(self.affect(h))


def tiny_metadata(window_length: int = 16, fps: float = 10.0) -> ModelMetadata:
    return ModelMetadata(
        model_id="tiny-test-model/0", labels=LABELS, window_length=window_length, fps=fps,
        normalization_version=NORMALIZATION_VERSION,
    )


def export_tiny_model(path: Path, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    save_model(TinyContractModel(), tiny_metadata(), path)
    return path
