"""The model contract: what a model file must be for the engine and the node to use it.

Written down once, here (docs/MODEL_CONTRACT.md explains it in prose):

- File: a TorchScript archive (`torch.jit.save`) with one extra file, `emotion_perception.json`,
  holding `ModelMetadata` as JSON. The node loads it without the model's Python source.
- Input: float32 `[B, T, 33, C]`: B windows, T = `window_length` frames resampled to `fps`,
  33 MediaPipe landmarks, C = 4 channels (x, y, visibility, present) produced by
  `normalize.normalize_window` at `normalization_version`.
- Output: a tuple `(probabilities [B, K], valence_arousal [B, 2])`; probabilities are a softmax
  over K = len(labels) classes in the order of `labels`; valence and arousal lie in [-1, 1].
- `weights_sha256` is the digest of the parameters and buffers in state_dict order, so a
  tampered or mixed-up archive is caught at load even where its zip checksums were redone.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from .landmarks import NUM_LANDMARKS
from .normalize import NUM_CHANNELS

CONTRACT_VERSION = 1
METADATA_FILE = "emotion_perception.json"
# What the node can hold per person and resample on every frame: a window of at most this many
# instants (the buffer and the resampling grow with it; the shipped model's is far below), taken
# at no more than this rate (no camera the node serves is faster; a higher model rate would only
# repeat frames). A model outside them is refused at load instead of starving the node.
MAX_WINDOW_LENGTH = 256
MAX_FPS = 120.0


@dataclass(frozen=True)
class ModelMetadata:
    model_id: str
    labels: tuple[str, ...]
    window_length: int
    fps: float
    normalization_version: str
    weights_sha256: str = ""
    num_landmarks: int = NUM_LANDMARKS
    num_channels: int = NUM_CHANNELS
    contract_version: int = CONTRACT_VERSION
    license: str = ""
    training_data: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["labels"] = list(self.labels)
        data["extra"] = dict(self.extra)
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "ModelMetadata":
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("metadata is not a JSON object")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown metadata fields {sorted(unknown)}")
        data["labels"] = tuple(data.get("labels", ()))
        return cls(**data)

    def problems(self) -> list[str]:
        """Contract violations in the metadata itself, empty when it is usable."""
        found = []
        if self.contract_version != CONTRACT_VERSION:
            found.append(f"contract_version {self.contract_version} (this software reads {CONTRACT_VERSION})")
        if len(self.labels) < 2 or len(set(self.labels)) != len(self.labels):
            found.append(f"labels must be at least two distinct names, got {list(self.labels)}")
        if not 2 <= self.window_length <= MAX_WINDOW_LENGTH:
            found.append(f"window_length must be 2 to {MAX_WINDOW_LENGTH} frames, got {self.window_length}")
        if not 0 < self.fps <= MAX_FPS:
            found.append(f"fps must be above 0 and at most {MAX_FPS:g}, got {self.fps}")
        if (self.num_landmarks, self.num_channels) != (NUM_LANDMARKS, NUM_CHANNELS):
            found.append(
                f"input [.., {self.num_landmarks}, {self.num_channels}] differs from the "
                f"pipeline's [.., {NUM_LANDMARKS}, {NUM_CHANNELS}]"
            )
        return found


def weights_digest(state_dict: Mapping[str, Any]) -> str:
    """sha256 over names, dtypes, shapes and bytes of every tensor, in state_dict order."""
    digest = hashlib.sha256()
    for name, tensor in state_dict.items():
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.view(-1).view(dtype=_byte_dtype()).numpy().tobytes())
    return digest.hexdigest()


def _byte_dtype():
    import torch

    return torch.uint8
