"""Honest evaluation: k folds over *contents* (whole motions held out), never over windows.

For every fold, EmotiPoseformer, the LSTM baseline and the Random Forest baseline are trained
on the same training windows and tested on the same held-out motions. Writes
reports/evaluation/metrics.json, a confusion matrix and learning curves, and a Markdown table
generated from the JSON. The model size is chosen first, on validation motions inside each
fold (the seed's 6x256 against smaller models), so no test motion influences it.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch

from ..mocap.corpus import BANDAI_CLASSES, Clip, list_clips
from ..windows import WindowConfig
from . import baselines
from .metrics import concordance_correlation, confusion, macro_f1, per_class_recall, top1
from .mocap_windows import WindowSet, build_windows, content_folds
from .model import EmotiPoseformer, EmotiPoseformerConfig, LstmBaseline, seeded
from .train import TrainConfig, predict, train_model

RARE_CLASSES = ("happy", "sad", "angry", "proud", "insecure")
WINDOW = WindowConfig(length=30, fps=15.0, min_valid_frames=15)
CHOSEN = EmotiPoseformerConfig(num_classes=len(BANDAI_CLASSES), window_length=WINDOW.length, joint_attention=False)
SIZES = {
    "2x64": CHOSEN,
    "2x64 + joint attention": dataclasses.replace(CHOSEN, joint_attention=True),
    "4x128": dataclasses.replace(CHOSEN, d_model=128, layers=4, heads=4),
    "6x256 (seed)": dataclasses.replace(CHOSEN, d_model=256, layers=6, heads=8),
}


class LeakageError(AssertionError):
    pass


def fold_masks(windows: WindowSet, held_out: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Train/test window masks for one fold; raises LeakageError if a motion or clip is on both sides."""
    contents = np.array([clip.content for clip in windows.clips])[windows.clip_index]
    test = np.isin(contents, sorted(held_out))
    train = ~test
    assert_no_leakage(windows, train, test)
    return train, test


def assert_no_leakage(windows: WindowSet, train: np.ndarray, test: np.ndarray) -> None:
    """No motion content and no clip may have windows on both sides of a split."""
    contents = np.array([clip.content for clip in windows.clips])[windows.clip_index]
    shared_contents = set(contents[train]) & set(contents[test])
    shared_clips = set(windows.clip_index[train].tolist()) & set(windows.clip_index[test].tolist())
    if shared_contents or shared_clips:
        raise LeakageError(f"fold leaks: contents {sorted(shared_contents)}, clips {sorted(shared_clips)[:5]}")


def _summary(values: Sequence[float]) -> dict:
    values = [float(v) for v in values]
    return {"mean": float(np.nanmean(values)), "std": float(np.nanstd(values)), "folds": values}


def _classification_report(truth: np.ndarray, probabilities: np.ndarray, classes: int) -> dict:
    predicted = probabilities.argmax(1)
    return {
        "macro_f1": macro_f1(truth, predicted, classes),
        "top1": top1(truth, predicted),
        "recall": per_class_recall(truth, predicted, classes).tolist(),
        "confusion": confusion(truth, predicted, classes).tolist(),
    }


def evaluate(out_dir: Path, folds: int = 5, seed: int = 0, train_config: TrainConfig = TrainConfig(),
             lstm_epochs: int = 8, size_sweep: bool = True, clips: Optional[list[Clip]] = None,
             progress: bool = True) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    clips = clips or list_clips()
    windows = build_windows(clips, BANDAI_CLASSES, WINDOW, seed=seed)
    assignments = content_folds(clips, folds, RARE_CLASSES)
    k = len(BANDAI_CLASSES)
    selection = size_selection(windows, assignments, train_config, progress) if size_sweep else None
    model_config = SIZES[selection["selected"]] if selection else CHOSEN
    results: dict = {"emotiposeformer": [], "lstm": [], "random_forest": []}
    curves = []
    for fold, held_out in enumerate(assignments):
        train, test = fold_masks(windows, held_out)
        x, y, va = windows.features[train], windows.labels[train], windows.valence_arousal[train]
        xt, yt, vat = windows.features[test], windows.labels[test], windows.valence_arousal[test]
        print(f"fold {fold}: hold out {sorted(held_out)}: {train.sum()} train / {test.sum()} test windows", flush=True)

        model = seeded(lambda: EmotiPoseformer(model_config), train_config.seed)
        history = train_model(model, x, y, va, train_config, validation=(xt, yt), progress=progress,
                              description=f"fold {fold} emotiposeformer")
        curves.append(dataclasses.asdict(history))
        probabilities, affect = predict(model, xt)
        report = _classification_report(yt, probabilities, k)
        report["valence_ccc"] = concordance_correlation(vat[:, 0], affect[:, 0])
        report["arousal_ccc"] = concordance_correlation(vat[:, 1], affect[:, 1])
        report["int8"] = _int8_check(model, xt, yt, k)
        results["emotiposeformer"].append(report)

        lstm = seeded(lambda: LstmBaseline(k), train_config.seed)
        train_model(lstm, x, y, va, dataclasses.replace(train_config, epochs=lstm_epochs), progress=progress,
                    description=f"fold {fold} lstm")
        results["lstm"].append(_classification_report(yt, predict(lstm, xt)[0], k))

        forest = baselines.random_forest(seed).fit(baselines.pose_statistics(x), y)
        results["random_forest"].append(_classification_report(yt, forest.predict_proba(baselines.pose_statistics(xt)), k))
        print("  macro-F1: ours {:.3f}  lstm {:.3f}  rf {:.3f}".format(
            results["emotiposeformer"][-1]["macro_f1"], results["lstm"][-1]["macro_f1"],
            results["random_forest"][-1]["macro_f1"]), flush=True)

    metrics = {
        "protocol": {
            "split": f"{folds} folds over motion contents (whole motions held out)",
            "folds": [sorted(f) for f in assignments], "seed": seed, "windows": int(len(windows)),
            "window": dataclasses.asdict(WINDOW), "classes": list(BANDAI_CLASSES),
            "train_config": train_config.to_dict(), "lstm_epochs": lstm_epochs, "model_config": model_config.to_dict(),
        },
    }
    for name, reports in results.items():
        entry = {
            "macro_f1": _summary([r["macro_f1"] for r in reports]),
            "top1": _summary([r["top1"] for r in reports]),
            "recall_per_class": {c: _summary([r["recall"][i] for r in reports]) for i, c in enumerate(BANDAI_CLASSES)},
            "confusion_total": np.sum([r["confusion"] for r in reports], axis=0).tolist(),
        }
        if name == "emotiposeformer":
            entry["valence_ccc"] = _summary([r["valence_ccc"] for r in reports])
            entry["arousal_ccc"] = _summary([r["arousal_ccc"] for r in reports])
            entry["int8_macro_f1_delta"] = _summary([r["int8"]["macro_f1_delta"] for r in reports])
            entry["int8_speed_ratio"] = _summary([r["int8"]["speed_ratio"] for r in reports])
        metrics[name] = entry
    if selection:
        metrics["size_selection"] = selection
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    plot_confusion(np.array(metrics["emotiposeformer"]["confusion_total"]), BANDAI_CLASSES, out_dir / "confusion_matrix.png")
    plot_curves(curves, out_dir / "curves.png")
    (out_dir / "table.md").write_text(markdown_table(metrics))
    return metrics


def size_selection(windows: WindowSet, assignments: Sequence[set[str]], train_config: TrainConfig,
                   progress: bool, subsample: int = 4, epochs: int = 6) -> dict:
    """Chooses the model size on *validation* motions only, never on a fold's test motions.

    Inside every outer fold, the training motions are split again by content; each size trains
    on the inner part (every `subsample`-th window, `epochs` epochs, to keep the seed's 6x256
    affordable on a CPU) and is scored on the inner validation motions. The choice follows the
    one-standard-error rule: the smallest size whose mean validation macro-F1 is within one
    standard error (over folds) of the best mean, because with three actors a bigger model must
    win clearly before its cost on a robot CPU is worth paying.
    """
    scores: dict[str, list[float]] = {name: [] for name in SIZES}
    seconds: dict[str, list[float]] = {name: [] for name in SIZES}
    parameters: dict[str, int] = {}
    contents = np.array([clip.content for clip in windows.clips])[windows.clip_index]
    for fold, held_out in enumerate(assignments):
        inner_clips = [clip for clip in windows.clips if clip.content not in held_out]
        validation_contents = content_folds(inner_clips, len(assignments) - 1, RARE_CLASSES)[0]
        inner_validation = np.isin(contents, sorted(validation_contents))
        inner_train = ~np.isin(contents, sorted(validation_contents | held_out))
        assert_no_leakage(windows, inner_train, inner_validation)
        index = np.flatnonzero(inner_train)[::subsample]
        config = dataclasses.replace(train_config, epochs=epochs)
        for name, model_config in SIZES.items():
            model = seeded(functools.partial(EmotiPoseformer, model_config), train_config.seed)
            start = time.perf_counter()
            train_model(model, windows.features[index], windows.labels[index], windows.valence_arousal[index],
                        config, progress=progress, description=f"fold {fold} size {name}")
            seconds[name].append(time.perf_counter() - start)
            probabilities, _ = predict(model, windows.features[inner_validation])
            scores[name].append(macro_f1(windows.labels[inner_validation], probabilities.argmax(1), len(windows.classes)))
            parameters[name] = int(sum(p.numel() for p in model.parameters()))
            print(f"  fold {fold} size {name}: validation macro-F1 {scores[name][-1]:.3f}", flush=True)
    selected, best, standard_error = one_standard_error_choice(scores, parameters)
    return {
        "protocol": f"inside each outer fold, one content fold of its training motions validates; every "
                    f"{subsample}th training window, {epochs} epochs; smallest size within one standard error of the best",
        "selected": selected, "best": best, "standard_error": standard_error,
        "sizes": {name: {"parameters": parameters[name], "validation_macro_f1": _summary(scores[name]),
                         "train_seconds": _summary(seconds[name]), "config": SIZES[name].to_dict()} for name in SIZES},
    }


def one_standard_error_choice(scores: dict[str, list[float]], parameters: dict[str, int]) -> tuple[str, str, float]:
    """(selected, best, standard error): the smallest model whose mean score is within one
    standard error (over folds) of the best model's mean."""
    means = {name: float(np.mean(values)) for name, values in scores.items()}
    best = max(means, key=means.get)
    standard_error = float(np.std(scores[best], ddof=1) / np.sqrt(len(scores[best])))
    selected = min((name for name in means if means[name] >= means[best] - standard_error), key=parameters.get)
    return selected, best, standard_error


def _int8_check(model: torch.nn.Module, features: np.ndarray, truth: np.ndarray, classes: int) -> dict:
    from .export import quantize_int8

    quantized = quantize_int8(model)
    reference = predict(model, features)[0].argmax(1)
    int8 = predict(quantized, features)[0].argmax(1)
    batch = torch.from_numpy(features[:8])
    timings = []
    for candidate in (model, quantized):
        with torch.inference_mode():
            for _ in range(3):
                candidate(batch)
            start = time.perf_counter()
            for _ in range(20):
                candidate(batch)
        timings.append(time.perf_counter() - start)
    return {"macro_f1_delta": macro_f1(truth, int8, classes) - macro_f1(truth, reference, classes),
            "speed_ratio": timings[0] / timings[1]}


def markdown_table(metrics: dict) -> str:
    def cell(entry: dict) -> str:
        return f"{entry['mean']:.3f} ± {entry['std']:.3f}"

    names = {"emotiposeformer": "EmotiPoseformer (ours)", "lstm": "LSTM 2x256", "random_forest": "Random Forest"}
    lines = ["| model | macro-F1 | top-1 |", "|---|---|---|"]
    for key, title in names.items():
        lines.append(f"| {title} | {cell(metrics[key]['macro_f1'])} | {cell(metrics[key]['top1'])} |")
    ours = metrics["emotiposeformer"]
    lines += ["", f"Valence CCC {cell(ours['valence_ccc'])}, arousal CCC {cell(ours['arousal_ccc'])} "
              "(targets derived from class labels, not rated).", "",
              "| class | recall (ours) |", "|---|---|"]
    lines += [f"| {c} | {cell(v)} |" for c, v in ours["recall_per_class"].items()]
    if "size_selection" in metrics:
        selection = metrics["size_selection"]
        lines += ["", "| size (validation motions inside each fold) | parameters | validation macro-F1 | train s |",
                  "|---|---|---|---|"]
        lines += [f"| {n}{' **(selected)**' if n == selection['selected'] else ''} | {v['parameters']:,} | "
                  f"{cell(v['validation_macro_f1'])} | {v['train_seconds']['mean']:.0f} |"
                  for n, v in selection["sizes"].items()]
        lines += ["", f"Selection: {selection['protocol']} (best mean: {selection['best']}, "
                      f"standard error {selection['standard_error']:.3f})."]
    return "\n".join(lines) + "\n"


def plot_confusion(matrix: np.ndarray, classes: Sequence[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    normalized = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure, axis = plt.subplots(figsize=(7, 6))
    image = axis.imshow(normalized, cmap="Blues", vmin=0, vmax=1)
    axis.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    axis.set_yticks(range(len(classes)), classes)
    for i in range(len(classes)):
        for j in range(len(classes)):
            axis.text(j, i, f"{normalized[i, j]:.2f}", ha="center", va="center", fontsize=7,
                      color="white" if normalized[i, j] > 0.5 else "black")
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title("EmotiPoseformer, all folds (held-out motions), row-normalized")
    figure.colorbar(image)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_curves(curves: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for fold, curve in enumerate(curves):
        left.plot(range(1, len(curve["train_loss"]) + 1), curve["train_loss"], label=f"fold {fold}")
        right.plot(range(1, len(curve["val_macro_f1"]) + 1), curve["val_macro_f1"], label=f"fold {fold}")
    left.set(title="training loss", xlabel="epoch")
    right.set(title="held-out macro-F1 (plotted only; not used to choose anything)", xlabel="epoch")
    left.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
