"""Honest evaluation, in three parts that each update reports/evaluation/metrics.json:

- `cross_source` (the headline): train on one studio's actors, test on another's
  (cross_source.py), for the shipped recipe and the LSTM and Random Forest baselines;
- `content_folds`: k folds over Bandai's *contents* (whole motions held out, never windows of a
  seen clip), EmotiPoseformer and the baselines on the same folds; the same three actors are on
  both sides, so this measures new motions, not new people;
- `ablation`: each generalisation idea on and off, both directions, same seeds (recipe.IDEAS).
The Markdown table in the README and the model card is generated from the JSON.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ..core.errors import LeakageError
from ..core.smoothing import DEFAULT_MIN_CONFIDENCE
from . import EVALUATION_PARTS, baselines
from .cross_source import DIRECTIONS, SHARED_MOTIONS, ablation, run_pair, test_sets
from .metrics import concordance_correlation, confusion, macro_f1, per_class_recall, top1
from .mocap.corpus import CLASSES, Clip, list_clips
from .mocap_windows import WindowSet, build_windows, content_folds
from .model import EmotiPoseformer, LstmBaseline, seeded
from .recipe import (
    CHOSEN,
    LSTM_BASELINE_EPOCHS,
    RECIPE,
    SHARED_CLASSES,
    WINDOW,
    Recipe,
    ablation_variants,
    fit,
    trained_lstm_baseline,
)
from .train import TrainConfig, predict, train_model

RARE_CLASSES = ("happy", "sad", "angry", "proud", "insecure")
SIZES = {
    "2x64": CHOSEN,
    "2x64 + joint attention": dataclasses.replace(CHOSEN, joint_attention=True),
    "4x128": dataclasses.replace(CHOSEN, d_model=128, layers=4, heads=4),
    "6x256 (seed)": dataclasses.replace(CHOSEN, d_model=256, layers=6, heads=8),
}


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


def evaluate(out_dir: Path, parts: Sequence[str] = EVALUATION_PARTS, folds: int = 5, seed: int = 0,
             recipe: Recipe = RECIPE, lstm_epochs: int = LSTM_BASELINE_EPOCHS, size_sweep: bool = False,
             progress: bool = True) -> dict:
    """Runs the given parts, merges them into out_dir/metrics.json and regenerates the table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "metrics.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    metrics = {part: previous[part] for part in EVALUATION_PARTS if part in previous}  # the parts not rerun
    clips = list_clips()
    if "cross_source" in parts:
        metrics["cross_source"] = cross_source_evaluation(clips, seed, recipe, progress)
    if "content_folds" in parts:
        bandai = [c for c in clips if c.source == "bandai"]
        metrics["content_folds"], curves = content_fold_evaluation(bandai, folds, seed, recipe, lstm_epochs,
                                                                   size_sweep, progress)
        plot_confusion(np.array(metrics["content_folds"]["emotiposeformer"]["confusion_total"]), CLASSES,
                       out_dir / "confusion_matrix.png")
        plot_curves(curves, out_dir / "curves.png")
    if "ablation" in parts:
        metrics["ablation"] = ablation(ablation_variants(), clips, seed, progress=False)
    path.write_text(json.dumps(metrics, indent=2) + "\n")
    (out_dir / "table.md").write_text(markdown_table(metrics))
    return metrics


def cross_source_evaluation(clips: Sequence[Clip], seed: int, recipe: Recipe, progress: bool,
                            seeds: int = 3) -> dict:
    """Both directions; ours trained with `seeds` seeds (windows, initial weights, order) on the same
    test windows, figures averaged with their spread; the baselines with the first seed."""
    section: dict = {"protocol": {
        "train": "one source, less every fifth motion (held out for invariance)",
        "temperature": "fitted on the training source as scored by the recipe trained on the other source "
                       "(people the weights never saw; the test source's labels never set it)",
        "test": f"the other source's clips of {', '.join(SHARED_CLASSES)}: the windows the node would emit "
                "(warm-up included), four static cameras a quarter turn apart, every 0.25 s; argmax over all "
                f"{len(CLASSES)} classes; clip vote per clip and camera",
        "seeds": list(range(seed, seed + seeds)), "recipe": recipe.to_dict()}}
    tests = test_sets(clips, seed)
    runs: dict[str, list[dict]] = {f"{a}->{b}": [] for a, b in DIRECTIONS}
    for run_seed in range(seed, seed + seeds):
        print(f"cross-source, seed {run_seed}", flush=True)
        seeded_recipe = dataclasses.replace(recipe, train=dataclasses.replace(recipe.train, seed=run_seed))
        for direction, result in run_pair(seeded_recipe, clips, tests, run_seed, with_baselines=run_seed == seed,
                                          progress=progress).items():
            runs[direction].append(result)
    section.update({direction: average_runs(results) for direction, results in runs.items()})
    return section


AVERAGED = ("macro_f1", "top1", "clip_top1", "largest_class_share", "ece", "ece_uncalibrated", "valence_ccc",
            "arousal_ccc", "labelled_share", "labelled_top1")
PER_RUN = ("macro_f1", "clip_top1", "largest_class", "largest_class_share", "ece", "calibration",
           "same_source_calibration", "train_seconds")


def average_runs(runs: list[dict]) -> dict:
    """The first run's report with every figure in AVERAGED (and per-class recall, and the shared-
    motion figures) replaced by the mean over runs; `std` and `runs` keep the spread."""
    merged = dict(runs[0])
    for key in AVERAGED:
        merged[key] = float(np.mean([r[key] for r in runs]))
    merged["per_class_recall"] = {c: float(np.mean([r["per_class_recall"][c] for r in runs]))
                                  for c in runs[0]["per_class_recall"]}
    merged["shared_motions"] = dict(runs[0]["shared_motions"])
    for key in ("macro_f1", "top1", "clip_top1", "largest_class_share"):
        merged["shared_motions"][key] = float(np.mean([r["shared_motions"][key] for r in runs]))
    if "members" in runs[0]:
        merged["members"] = {name: {key: float(np.mean([r["members"][name][key] for r in runs])) for key in scores}
                             for name, scores in runs[0]["members"].items()}
        for name in merged["members"]:
            merged["members"][name]["macro_f1_std"] = float(np.std([r["members"][name]["macro_f1"] for r in runs]))
    merged["std"] = {key: float(np.std([r[key] for r in runs])) for key in AVERAGED}
    merged["runs"] = [{key: r[key] for key in PER_RUN} for r in runs]
    return merged


def content_fold_evaluation(clips: list[Clip], folds: int, seed: int, recipe: Recipe, lstm_epochs: int,
                            size_sweep: bool, progress: bool) -> tuple[dict, list[dict]]:
    train_config = recipe.train
    windows = build_windows(clips, CLASSES, WINDOW, seed=seed, simulation=recipe.simulation)
    assignments = content_folds(clips, folds, RARE_CLASSES)
    k = len(CLASSES)
    selection = size_selection(windows, assignments, train_config, progress) if size_sweep else None
    model_config = SIZES[selection["selected"]] if selection else recipe.model
    results: dict = {"emotiposeformer": [], "lstm": [], "random_forest": []}
    curves = []
    for fold, held_out in enumerate(assignments):
        train, test = fold_masks(windows, held_out)
        x, y, va = windows.features[train], windows.labels[train], windows.valence_arousal[train]
        xt, yt, vat = windows.features[test], windows.labels[test], windows.valence_arousal[test]
        print(f"fold {fold}: hold out {sorted(held_out)}: {train.sum()} train / {test.sum()} test windows", flush=True)

        model, history = fit(dataclasses.replace(recipe, model=model_config), x, y, va, validation=(xt, yt),
                             progress=progress, description=f"fold {fold} emotiposeformer")
        curves.append(dataclasses.asdict(history))
        probabilities, affect = predict(model, xt)
        report = _classification_report(yt, probabilities, k)
        report["valence_ccc"] = concordance_correlation(vat[:, 0], affect[:, 0])
        report["arousal_ccc"] = concordance_correlation(vat[:, 1], affect[:, 1])
        report["int8"] = _int8_check(model, xt, yt, k)
        results["emotiposeformer"].append(report)

        lstm = trained_lstm_baseline(model, recipe, lstm_epochs)
        if lstm is None:
            lstm = seeded(lambda: LstmBaseline(k), train_config.seed)
            train_model(lstm, x, y, va, dataclasses.replace(train_config, epochs=lstm_epochs), progress=progress,
                        description=f"fold {fold} lstm")
        results["lstm"].append(_classification_report(yt, predict(lstm, xt)[0], k))

        forest = baselines.random_forest(seed).fit(baselines.pose_statistics(x), y)
        forest_probabilities = forest.predict_proba(baselines.pose_statistics(xt))
        results["random_forest"].append(_classification_report(yt, forest_probabilities, k))
        print(
            "  macro-F1: ours {:.3f}  lstm {:.3f}  rf {:.3f}".format(
                results["emotiposeformer"][-1]["macro_f1"],
                results["lstm"][-1]["macro_f1"],
                results["random_forest"][-1]["macro_f1"],
            ),
            flush=True,
        )

    metrics: dict = {
        "protocol": {
            "split": f"{folds} folds over motion contents (whole motions held out)",
            "folds": [sorted(f) for f in assignments],
            "seed": seed,
            "windows": int(len(windows)),
            "window": dataclasses.asdict(WINDOW),
            "classes": list(CLASSES),
            "train_config": train_config.to_dict(),
            "lstm_epochs": lstm_epochs,
            "model_config": model_config.to_dict(),
        },
    }
    for name, reports in results.items():
        entry = {
            "macro_f1": _summary([r["macro_f1"] for r in reports]),
            "top1": _summary([r["top1"] for r in reports]),
            "recall_per_class": {c: _summary([r["recall"][i] for r in reports]) for i, c in enumerate(CLASSES)},
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
    return metrics, curves


def size_selection(
    windows: WindowSet,
    assignments: Sequence[set[str]],
    train_config: TrainConfig,
    progress: bool,
    subsample: int = 4,
    epochs: int = 6,
) -> dict:
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
            train_model(
                model,
                windows.features[index],
                windows.labels[index],
                windows.valence_arousal[index],
                config,
                progress=progress,
                description=f"fold {fold} size {name}",
            )
            seconds[name].append(time.perf_counter() - start)
            probabilities, _ = predict(model, windows.features[inner_validation])
            scores[name].append(
                macro_f1(windows.labels[inner_validation], probabilities.argmax(1), len(windows.classes))
            )
            parameters[name] = int(sum(p.numel() for p in model.parameters()))
            print(f"  fold {fold} size {name}: validation macro-F1 {scores[name][-1]:.3f}", flush=True)
    selected, best, standard_error = one_standard_error_choice(scores, parameters)
    return {
        "protocol": f"inside each outer fold, one content fold of its training motions validates; every "
        f"{subsample}th training window, {epochs} epochs; smallest size within one standard error of the best",
        "selected": selected,
        "best": best,
        "standard_error": standard_error,
        "sizes": {
            name: {
                "parameters": parameters[name],
                "validation_macro_f1": _summary(scores[name]),
                "train_seconds": _summary(seconds[name]),
                "config": SIZES[name].to_dict(),
            }
            for name in SIZES
        },
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
    return {
        "macro_f1_delta": macro_f1(truth, int8, classes) - macro_f1(truth, reference, classes),
        "speed_ratio": timings[0] / timings[1],
    }


def markdown_table(metrics: dict) -> str:
    lines: list[str] = []
    if "cross_source" in metrics:
        lines += cross_source_table(metrics["cross_source"]) + [""]
    if "ablation" in metrics:
        lines += ablation_table(metrics["ablation"]) + [""]
    if "content_folds" in metrics:
        lines += content_fold_table(metrics["content_folds"])
    return "\n".join(lines).rstrip("\n") + "\n"


# The shipped recipe's name in the tables (recipe.RECIPE: the transformer and the LSTM averaged).
OURS = "ours (EmotiPoseformer + LSTM)"


def cross_source_table(section: dict) -> list[str]:
    lines = [
        "**New people: train on one studio, test on the other** (classes both label: "
        f"{', '.join(SHARED_CLASSES)}; judged as the node publishes, argmax over all {len(CLASSES)} classes; "
        f"ours: mean ± std over {len(section['protocol']['seeds'])} training seeds, baselines: first seed; "
        "largest class share: mean, the class named from the first seed)",
        "",
        "| train -> test | model | macro-F1 | top-1 | clip vote | largest class share | ECE |",
        "|---|---|---|---|---|---|---|",
    ]
    for direction in (f"{a}->{b}" for a, b in DIRECTIONS):
        ours = section[direction]
        spread = ours["std"]
        lines.append(
            f"| {direction} | {OURS} | {ours['macro_f1']:.3f} ± {spread['macro_f1']:.3f} | "
            f"{ours['top1']:.3f} ± {spread['top1']:.3f} | "
            f"{ours['clip_top1']:.3f} ± {spread['clip_top1']:.3f} | "
            f"{ours['largest_class_share']:.2f} ({ours['largest_class']}) | {ours['ece']:.3f} |"
        )
        for key, title in (("lstm", "LSTM 2x256"), ("random_forest", "Random Forest")):
            other = ours["baselines"][key]
            lines.append(
                f"| {direction} | {title} | {other['macro_f1']:.3f} | {other['top1']:.3f} | | "
                f"{other['largest_class_share']:.2f} | |"
            )
    lines += members_table(section)
    lines += [
        "",
        f"On the motions both studios recorded ({', '.join(SHARED_MOTIONS)}) only, same windows:",
        "",
        "| train -> test | windows | macro-F1 | top-1 | clip vote | largest class share |",
        "|---|---|---|---|---|---|",
    ]
    for direction in (f"{a}->{b}" for a, b in DIRECTIONS):
        shared = section[direction]["shared_motions"]
        lines.append(
            f"| {direction} | {shared['windows']} | {shared['macro_f1']:.3f} | {shared['top1']:.3f} | "
            f"{shared['clip_top1']:.3f} | {shared['largest_class_share']:.2f} ({shared['largest_class']}) |"
        )
    lines += [
        "",
        "| train -> test | "
        + " | ".join(f"recall {c}" for c in SHARED_CLASSES)
        + " | valence CCC | arousal CCC |",
        "|---" * (len(SHARED_CLASSES) + 3) + "|",
    ]
    for direction in (f"{a}->{b}" for a, b in DIRECTIONS):
        ours = section[direction]
        lines.append(
            f"| {direction} | "
            + " | ".join(f"{ours['per_class_recall'][c]:.2f}" for c in SHARED_CLASSES)
            + f" | {ours['valence_ccc']:.2f} | {ours['arousal_ccc']:.2f} |"
        )
    return lines + calibration_table(section)


def calibration_table(section: dict) -> list[str]:
    """The temperature fitted on people the model never saw against one fitted on held-out motions
    of its own actors, and what a node thresholding at the default min_confidence then receives."""
    directions = [f"{a}->{b}" for a, b in DIRECTIONS]
    if not all("same_source_calibration" in r for d in directions for r in section[d]["runs"]):
        return []
    lines = ["", f"Calibration on the new person (ECE, 15 bins; per seed; a node at min_confidence "
             f"{DEFAULT_MIN_CONFIDENCE} labels the share shown, `unknown` the rest):", "",
             "| train -> test | temperature: unseen source | ECE | temperature: held-out motions | ECE "
             "| ECE uncalibrated | labelled | top-1 of labelled |",
             "|---|---|---|---|---|---|---|---|"]
    for direction in directions:
        ours, runs = section[direction], section[direction]["runs"]
        unseen = ", ".join(f"{r['calibration']['temperature']:.2f}" for r in runs)
        same = ", ".join(f"{r['same_source_calibration']['temperature']:.2f}" for r in runs)
        same_ece = np.mean([r["same_source_calibration"]["ece_on_test"] for r in runs])
        lines.append(f"| {direction} | {unseen} | {ours['ece']:.3f} | {same} | {same_ece:.3f} | "
                     f"{ours['ece_uncalibrated']:.3f} | {ours['labelled_share']:.2f} | {ours['labelled_top1']:.2f} |")
    return lines


def members_table(section: dict) -> list[str]:
    """The shipped ensemble against each of its members alone, from the same training runs."""
    directions = [f"{a}->{b}" for a, b in DIRECTIONS]
    if not all("members" in section[d] for d in directions):
        return []
    names = list(section[directions[0]]["members"])
    lines = ["", "Each member of ours alone (the same runs and windows; macro-F1, clip vote in brackets):", "",
             "| train -> test | averaged (shipped) | " + " | ".join(f"{n} alone" for n in names) + " |",
             "|---" * (len(names) + 2) + "|"]
    for direction in directions:
        ours = section[direction]
        cells = [f"{m['macro_f1']:.3f} ± {m['macro_f1_std']:.3f} ({m['clip_top1']:.3f})"
                 for m in ours["members"].values()]
        lines.append(f"| {direction} | {ours['macro_f1']:.3f} ± {ours['std']['macro_f1']:.3f} "
                     f"({ours['clip_top1']:.3f}) | " + " | ".join(cells) + " |")
    return lines


def ablation_table(section: dict) -> list[str]:
    directions = [f"{a}->{b}" for a, b in DIRECTIONS]
    lines = [
        "**Ablation** (each idea added alone to the baseline recipe, then all together; same seeds, same test windows)",
        "",
        "| recipe | " + " | ".join(f"{d} macro-F1 | {d} clip vote | {d} largest share" for d in directions) + " |",
        "|---" * (1 + 3 * len(directions)) + "|",
    ]
    for name, row in section.items():
        cells = []
        for d in directions:
            r = row[d]
            cells += [
                f"{r['macro_f1']:.3f}",
                f"{r['clip_top1']:.3f}",
                f"{r['largest_class_share']:.2f} ({r['largest_class']})",
            ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def content_fold_table(metrics: dict) -> list[str]:
    def cell(entry: dict) -> str:
        return f"{entry['mean']:.3f} ± {entry['std']:.3f}"

    names = {"emotiposeformer": OURS, "lstm": "LSTM 2x256", "random_forest": "Random Forest"}
    lines = [
        f"**New motions, same actors: {metrics['protocol']['split']}, Bandai only, {len(CLASSES)} classes**",
        "",
        "| model | macro-F1 | top-1 |",
        "|---|---|---|",
    ]
    for key, title in names.items():
        lines.append(f"| {title} | {cell(metrics[key]['macro_f1'])} | {cell(metrics[key]['top1'])} |")
    ours = metrics["emotiposeformer"]
    lines += [
        "",
        f"Valence CCC {cell(ours['valence_ccc'])}, arousal CCC {cell(ours['arousal_ccc'])} "
        "(targets derived from class labels, not rated).",
        "",
        "| class | recall (ours) |",
        "|---|---|",
    ]
    lines += [f"| {c} | {cell(v)} |" for c, v in ours["recall_per_class"].items()]
    if "size_selection" in metrics:
        selection = metrics["size_selection"]
        lines += [
            "",
            "| size (validation motions inside each fold) | parameters | validation macro-F1 | train s |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {n}{' **(selected)**' if n == selection['selected'] else ''} | {v['parameters']:,} | "
            f"{cell(v['validation_macro_f1'])} | {v['train_seconds']['mean']:.0f} |"
            for n, v in selection["sizes"].items()
        ]
        lines += [
            "",
            f"Selection: {selection['protocol']} (best mean: {selection['best']}, "
            f"standard error {selection['standard_error']:.3f}).",
        ]
    return lines


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
            axis.text(
                j,
                i,
                f"{normalized[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if normalized[i, j] > 0.5 else "black",
            )
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
