"""Loads a model that follows the contract (see contract.py) and runs batched forwards.

One forward per frame serves every person whose window is ready: on CPU the per-call overhead
dominates a small transformer, so batching 8 people costs little more than 1. fp16 is used on
CUDA only (CPU half precision is slower and less accurate).

On the CPU the forward runs on one thread by default. MediaPipe keeps a core busy beside it, and
torch's intra-op workers spin-wait after each call, so on a small robot computer a two-thread
forward has a long tail and slows the next pose estimate (`make bench` measures both).
"""
from __future__ import annotations

import logging
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from .contract import METADATA_FILE, ModelMetadata, weights_digest
from .errors import DeviceUnavailableError, ModelLoadError, ModelOutputError
from .normalize import NORMALIZATION_VERSION

LOG = logging.getLogger(__name__)


def resolve_device(requested: str) -> tuple[str, Optional[str]]:
    """'auto' | 'cpu' | 'cuda' | 'cuda:N' -> (torch device string, note for diagnostics or None).

    A requested GPU that is not there falls back to the CPU with a note rather than stopping a
    robot's perception; a malformed request is an error.
    """
    import torch

    requested = requested.strip().lower()
    if requested == "auto":
        return ("cuda:0" if torch.cuda.is_available() else "cpu"), None
    if requested == "cpu":
        return "cpu", None
    if requested == "cuda" or requested.startswith("cuda:"):
        index_text = requested.partition(":")[2] or "0"
        if not index_text.isdigit():
            raise DeviceUnavailableError(f"device '{requested}' is not auto, cpu, cuda or cuda:N")
        index = int(index_text)
        if not torch.cuda.is_available():
            return "cpu", f"{requested} requested but CUDA is not available; running on cpu"
        if index >= torch.cuda.device_count():
            return "cpu", f"{requested} requested but only {torch.cuda.device_count()} CUDA device(s); running on cpu"
        return f"cuda:{index}", None
    raise DeviceUnavailableError(f"device '{requested}' is not auto, cpu, cuda or cuda:N")


def save_model(module, metadata: ModelMetadata, path: Path) -> ModelMetadata:
    """Scripts `module` (if needed) and saves it with its metadata; returns the metadata written
    (with `weights_sha256` filled in)."""
    import dataclasses

    import torch

    scripted = module if isinstance(module, torch.jit.ScriptModule) else torch.jit.script(module.eval())
    stamped = dataclasses.replace(metadata, weights_sha256=weights_digest(scripted.state_dict()))
    problems = stamped.problems()
    if problems:
        raise ModelLoadError(f"refusing to save {path}: " + "; ".join(problems))
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.jit.save(scripted, str(path), _extra_files={METADATA_FILE: stamped.to_json()})
    return stamped


@dataclass
class LoadedModel:
    module: object  # torch.jit.ScriptModule
    metadata: ModelMetadata
    path: Path


def load_model(path: Path, device: str = "cpu") -> LoadedModel:
    """Loads and checks a model file; every failure is a ModelLoadError that names the file."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"model file not found: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ModelLoadError(
            f"{path} is not a readable TorchScript archive (truncated or corrupt?): {error}"
        ) from error
    if broken is not None:
        raise ModelLoadError(f"{path} is corrupt: archive member '{broken}' fails its checksum")
    extra = {METADATA_FILE: ""}
    try:
        module = torch.jit.load(str(path), map_location=device, _extra_files=extra)
    except Exception as error:  # torch raises bare RuntimeErrors with miniz/pickle internals
        raise ModelLoadError(f"{path} could not be loaded as TorchScript: {str(error).splitlines()[0]}") from error
    if not extra[METADATA_FILE]:
        raise ModelLoadError(f"{path} has no {METADATA_FILE}: not an emotion_perception model")
    try:
        metadata = ModelMetadata.from_json(extra[METADATA_FILE])
    except (ValueError, TypeError) as error:
        raise ModelLoadError(f"{path}: unreadable {METADATA_FILE}: {error}") from error
    problems = metadata.problems()
    if metadata.normalization_version != NORMALIZATION_VERSION:
        problems.append(
            f"trained with normalization '{metadata.normalization_version}', this pipeline provides "
            f"'{NORMALIZATION_VERSION}'"
        )
    if metadata.weights_sha256 != weights_digest(module.state_dict()):
        problems.append("weights do not match the weights_sha256 recorded at export (tampered or mixed-up file)")
    if problems:
        raise ModelLoadError(f"{path} breaks the model contract: " + "; ".join(problems))
    module.eval()
    _check_outputs(module, metadata, path, device)
    return LoadedModel(module, metadata, path)


def _check_outputs(module, metadata: ModelMetadata, path: Path, device: str) -> None:
    import torch

    # an empty window and a seeded one of plausible values (normalized coordinates within a few
    # torso lengths, every landmark visible): a model must answer both with usable numbers
    shape = (metadata.window_length, metadata.num_landmarks, metadata.num_channels)
    plausible = np.random.default_rng(0).uniform(-2.0, 2.0, size=shape).astype(np.float32)
    plausible[..., -1] = 1.0
    probe = torch.stack([torch.zeros(shape), torch.from_numpy(plausible)]).to(device)
    try:
        with torch.inference_mode():
            probabilities, valence_arousal = module(probe)
    except Exception as error:
        raise ModelLoadError(f"{path}: forward on a test window failed: {str(error).splitlines()[0]}") from error
    expected = (2, len(metadata.labels))
    if tuple(probabilities.shape) != expected or tuple(valence_arousal.shape) != (2, 2):
        raise ModelLoadError(
            f"{path}: outputs {tuple(probabilities.shape)} and {tuple(valence_arousal.shape)}, "
            f"contract says {expected} and (2, 2)"
        )
    if not (torch.isfinite(probabilities).all() and torch.isfinite(valence_arousal).all()):
        raise ModelLoadError(f"{path}: outputs NaN or infinity on a test window (a broken export or training "
                             "that diverged): refused")


@dataclass(frozen=True)
class Prediction:
    probabilities: np.ndarray  # [K], sums to 1
    valence: float
    arousal: float


class EmotionEngine:
    """A loaded model on a device; `predict` runs one forward for a whole batch of windows."""

    def __init__(self, model_path: Path, device: str = "auto", half: bool = True, cpu_threads: int = 1) -> None:
        import torch

        if cpu_threads < 1:
            raise ValueError(f"cpu_threads must be at least 1, got {cpu_threads}")

        self.device, self.device_note = resolve_device(device)
        if self.device_note:
            LOG.warning("%s", self.device_note)
        loaded = load_model(model_path, self.device)
        self.module = loaded.module
        self.metadata = loaded.metadata
        self.path = loaded.path
        self.half = bool(half) and self.device.startswith("cuda")
        if self.half:
            self.module = self.module.half()
        self.cpu_threads = cpu_threads
        self._torch = torch

    @property
    def labels(self) -> tuple[str, ...]:
        return self.metadata.labels

    def predict(self, windows: np.ndarray) -> list[Prediction]:
        """windows [B, T, 33, 4] float32 -> B predictions (in the same order)."""
        if len(windows) == 0:
            return []
        torch = self._torch
        batch = torch.from_numpy(np.ascontiguousarray(windows, dtype=np.float32)).to(self.device)
        if self.half:
            batch = batch.half()
        with torch.inference_mode(), self._intra_op_threads():
            probabilities, valence_arousal = self.module(batch)
        probabilities = probabilities.float().cpu().numpy()
        valence_arousal = valence_arousal.float().cpu().numpy()
        if not (np.isfinite(probabilities).all() and np.isfinite(valence_arousal).all()):
            raise ModelOutputError(f"the model answered NaN or infinity for {len(windows)} window(s): "
                                   "their judgements are dropped")
        valence_arousal = np.clip(valence_arousal, -1.0, 1.0)
        # fp16 softmax sums can drift by ~1e-3; renormalise so consumers can rely on the sum.
        probabilities = probabilities / np.clip(probabilities.sum(axis=1, keepdims=True), 1e-12, None)
        return [Prediction(p, float(va[0]), float(va[1])) for p, va in zip(probabilities, valence_arousal)]

    @contextmanager
    def _intra_op_threads(self):
        """torch's thread count is process-wide: set ours for the forward only, so a training loop
        or another engine in the same process keeps its own."""
        if self.device != "cpu":
            yield
            return
        previous = self._torch.get_num_threads()
        self._torch.set_num_threads(self.cpu_threads)
        try:
            yield
        finally:
            self._torch.set_num_threads(previous)

    def release(self) -> None:
        """Frees the model (and the CUDA cache) so an inactive node holds no GPU memory."""
        self.module = None
        if self.device.startswith("cuda"):
            self._torch.cuda.empty_cache()
