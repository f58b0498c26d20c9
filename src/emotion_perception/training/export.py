"""Training the shipped model on every clip and exporting it under the model contract."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import torch

from ..contract import ModelMetadata
from ..inference import save_model
from ..mocap.corpus import BANDAI_CLASSES, CIRCUMPLEX_DEGREES, list_clips
from ..normalize import NORMALIZATION_VERSION
from .evaluate import CHOSEN, WINDOW
from .mocap_windows import build_windows
from .model import EmotiPoseformer, seeded
from .train import TrainConfig, train_model

LICENSE = ("CC BY-NC 4.0: trained on the Bandai Namco Research Motion Dataset (Kobayashi et al. 2023, "
           "arXiv 2306.08861); non-commercial use only, credit the source")
MODEL_ID = "emotiposeformer-bandai8/1"


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Dynamic int8 quantization of the linear layers (CPU inference)."""
    from torch.ao.quantization import quantize_dynamic

    return quantize_dynamic(copy.deepcopy(model).eval(), {torch.nn.Linear}, dtype=torch.qint8)


def metadata_for(model_id: str, extra: dict) -> ModelMetadata:
    return ModelMetadata(
        model_id=model_id, labels=BANDAI_CLASSES, window_length=WINDOW.length, fps=WINDOW.fps,
        normalization_version=NORMALIZATION_VERSION, license=LICENSE,
        training_data="Bandai Namco Research Motion Dataset, dataset-1 and dataset-2, affective styles, "
                      "projected through random virtual cameras",
        extra=extra,
    )


def train_and_export(out_dir: Path, seed: int = 0, config: TrainConfig = TrainConfig(), progress: bool = True) -> Path:
    torch.set_num_threads(2)
    windows = build_windows(list_clips(), BANDAI_CLASSES, WINDOW, seed=seed)
    model = seeded(lambda: EmotiPoseformer(CHOSEN), config.seed)
    history = train_model(model, windows.features, windows.labels, windows.valence_arousal, config,
                          progress=progress, description="final model")
    extra = {"model_config": CHOSEN.to_dict(), "train_config": config.to_dict(), "windows": int(len(windows)),
             "final_train_loss": history.train_loss[-1], "circumplex_degrees": CIRCUMPLEX_DEGREES}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "emotiposeformer.pt"
    save_model(model, metadata_for(MODEL_ID, extra), path)
    from ..checksums import sha256_of

    path.with_name(path.name + ".sha256").write_text(f"{sha256_of(path)}  {path.name}\n")
    save_model(torch.jit.script(quantize_int8(model)), metadata_for(MODEL_ID + "-int8", extra),
               out_dir / "emotiposeformer_int8.pt")
    (out_dir / "emotiposeformer.json").write_text(json.dumps({"history": history.train_loss}, indent=2))
    return path
