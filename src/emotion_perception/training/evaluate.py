"""Honest evaluation, in three parts that each update reports/evaluation/metrics.json:

- `cross_source` (the headline): every source held out once, the recipe trained on the others
  (cross_source.py), with the LSTM and the static baselines on the same windows;
- `content_folds`: k folds over Bandai's *contents* (whole motions held out, never windows of a
  seen clip), EmotiPoseformer and the baselines on the same folds; the same three actors are on
  both sides, so this measures new motions, not new people;
- `ablation`: each generalisation idea on and off, every source held out, same seed (recipe.IDEAS).
Every part is stamped (identity.stamp: model id, recipe hash, commit, wall time). Screening
(`screen`) runs the headline with one seed into its own file, for trying ideas. The Markdown table
in the README and the model card is generated from the JSON.
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
from . import DEFAULT_PARTS, EVALUATION_PARTS, baselines
from .cross_source import ablation, held_out_sets, leave_one_source_out
from .identity import commit, stamp
from .metrics import concordance_correlation, confusion, macro_f1, per_class_recall, top1
from .mocap.corpus import CLASSES, Clip, list_clips
from .mocap.sources import load_source
from .mocap_windows import WindowSet, build_windows, content_folds
from .model import EmotiPoseformer, quantize_int8, seeded
from .recipe import (
    CHOSEN,
    LSTM_BASELINE_EPOCHS,
    RECIPE,
    WINDOW,
    Recipe,
    ablation_variants,
    fit,
    lstm_baseline,
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


def evaluate(out_dir: Path, parts: Sequence[str] = DEFAULT_PARTS, folds: int = 5, seed: int = 0,
             recipe: Recipe = RECIPE, seeds: int = 3, size_sweep: bool = False, progress: bool = True) -> dict:
    """Runs the given parts, merges them into out_dir/metrics.json and regenerates the table and
    the figures."""
    code = commit()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "metrics.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    metrics = {part: previous[part] for part in EVALUATION_PARTS if part in previous}  # the parts not rerun
    clips = list_clips()
    if "cross_source" in parts:
        started = time.perf_counter()
        metrics["cross_source"] = cross_source_evaluation(clips, seed, recipe, progress, seeds)
        metrics["cross_source"]["stamp"] = stamp(recipe, started, code)
        path.write_text(json.dumps(metrics, indent=2) + "\n")  # an hour's figures are saved before any plot
        plot_held_out_confusions(metrics["cross_source"], out_dir / "confusion_held_out_sources.png")
    if "content_folds" in parts:
        started = time.perf_counter()
        bandai = [c for c in clips if c.source == "bandai"]
        metrics["content_folds"], curves = content_fold_evaluation(bandai, folds, seed, recipe, size_sweep, progress)
        metrics["content_folds"]["stamp"] = stamp(recipe, started, code)
        plot_confusion(np.array(metrics["content_folds"]["emotiposeformer"]["confusion_total"]), recipe.classes,
                       out_dir / "confusion_matrix.png", "EmotiPoseformer, all folds (held-out motions)")
        plot_curves(curves, out_dir / "curves.png")
    if "ablation" in parts:
        started = time.perf_counter()
        metrics["ablation"] = {"variants": ablation(ablation_variants(), clips, seed, progress=False),
                               "stamp": stamp(recipe, started, code)}
    path.write_text(json.dumps(metrics, indent=2) + "\n")
    (out_dir / "table.md").write_text(markdown_table(metrics))
    return metrics


def screen(out: Path, recipe: Recipe = RECIPE, seed: int = 0, progress: bool = True) -> dict:
    """The headline protocol with one seed, every source held out, into its own file (never the
    shipped metrics): the loop for trying an idea."""
    code, started = commit(), time.perf_counter()
    section = cross_source_evaluation(list_clips(), seed, recipe, progress, seeds=1)
    section["stamp"] = stamp(recipe, started, code)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"screening": section}, indent=2) + "\n")
    return section


def cross_source_evaluation(clips: Sequence[Clip], seed: int, recipe: Recipe, progress: bool,
                            seeds: int = 3) -> dict:
    """Every source held out once; ours trained with `seeds` seeds (windows, initial weights,
    order) on the same test windows, figures averaged with their spread; the baselines with the
    first seed."""
    tests = held_out_sets(clips, seed, recipe.classes)
    section: dict = {"protocol": {
        "train": "every source but one, less every fifth motion of a source with five or more (held out "
                 "for invariance)",
        "temperature": "fitted on the training sources, each as scored by the recipe trained without it "
                       "(people the weights never saw; the held-out source's labels never set it)",
        "test": "the held-out source's clips of the classes it labels that a training source teaches: the "
                "windows the node would emit (warm-up included), four static cameras a quarter turn apart, every "
                f"0.25 s; argmax over all {len(recipe.classes)} classes; clip vote per clip and camera; tempo takes "
                "apart (tempo_takes_neutral: neutral or unknown)",
        "classes": list(recipe.classes),
        "tested_classes": {source: list(test.classes) for source, test in tests.items()},
        "actors": {source: load_source(source).actors for source in tests},
        "seeds": list(range(seed, seed + seeds)), "recipe": recipe.to_dict()}}
    runs: dict[str, list[dict]] = {source: [] for source in tests}
    for run_seed in range(seed, seed + seeds):
        print(f"leave one source out, seed {run_seed}", flush=True)
        seeded_recipe = dataclasses.replace(recipe, train=dataclasses.replace(recipe.train, seed=run_seed))
        for source, result in leave_one_source_out(seeded_recipe, clips, tests, run_seed,
                                                   with_baselines=run_seed == seed, progress=progress).items():
            runs[source].append(result)
            print(f"  held out {source}: macro-F1 {result['macro_f1']:.3f}, clip vote {result['clip_top1']:.3f}, "
                  f"largest {result['largest_class']} {result['largest_class_share']:.2f}, ECE {result['ece']:.3f}, "
                  f"tempo change {result['tempo_label_change']:.2f}", flush=True)
    section.update({source: average_runs(results) for source, results in runs.items()})
    for key in ("macro_f1", "clip_top1", "arousal_ccc"):
        section[f"mean_{key}"] = float(np.mean([section[s][key] for s in runs]))
    return section


AVERAGED = ("macro_f1", "top1", "clip_top1", "largest_class_share", "ece", "ece_uncalibrated", "valence_ccc",
            "arousal_ccc", "labelled_share", "labelled_top1", "tempo_label_change", "tempo_takes_neutral")
PER_RUN = ("macro_f1", "clip_top1", "largest_class", "largest_class_share", "ece", "arousal_order_ok",
           "arousal_means", "calibration", "train_seconds")


def average_runs(runs: list[dict]) -> dict:
    """The first run's report with every figure in AVERAGED (and per-class recall and the arousal
    means) replaced by the mean over runs; `std` and `runs` keep the spread; the arousal order holds
    only if it holds in every run."""
    merged = dict(runs[0])
    averaged = [key for key in AVERAGED if key in runs[0]]
    for key in averaged:
        merged[key] = float(np.mean([r[key] for r in runs]))
    for key in ("per_class_recall", "arousal_means"):
        merged[key] = {c: float(np.mean([r[key][c] for r in runs])) for c in runs[0][key]}
    merged["arousal_order_ok"] = all(r["arousal_order_ok"] for r in runs)
    if "validated_classes_only" in runs[0]:
        merged["validated_classes_only"] = dict(runs[0]["validated_classes_only"])
        for key in ("macro_f1", "top1", "clip_top1", "largest_class_share", "ece"):
            merged["validated_classes_only"][key] = float(np.mean([r["validated_classes_only"][key] for r in runs]))
    merged["confusion"] = np.sum([r["confusion"] for r in runs], axis=0).tolist()
    if "members" in runs[0]:
        merged["members"] = {name: {key: float(np.mean([r["members"][name][key] for r in runs])) for key in scores}
                             for name, scores in runs[0]["members"].items()}
        for name in merged["members"]:
            merged["members"][name]["macro_f1_std"] = float(np.std([r["members"][name]["macro_f1"] for r in runs]))
    merged["std"] = {key: float(np.std([r[key] for r in runs])) for key in averaged}
    merged["runs"] = [{key: r[key] for key in PER_RUN} for r in runs]
    return merged


def content_fold_evaluation(clips: list[Clip], folds: int, seed: int, recipe: Recipe, size_sweep: bool,
                            progress: bool, lstm_epochs: int = LSTM_BASELINE_EPOCHS) -> tuple[dict, list[dict]]:
    train_config = recipe.train
    clips = recipe.taught(clips)
    windows = build_windows(clips, recipe.classes, WINDOW, seed=seed, simulation=recipe.simulation)
    rare = [c for c in RARE_CLASSES if c in recipe.classes]
    assignments = content_folds(clips, folds, rare)
    k = len(recipe.classes)
    selection = size_selection(windows, assignments, train_config, rare, progress) if size_sweep else None
    model_config = SIZES[selection["selected"]] if selection else recipe.model
    results: dict = {"emotiposeformer": [], "lstm": [], **{name: [] for name in baselines.STATIC}}
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

        lstm = lstm_baseline(model, recipe, x, y, va, epochs=lstm_epochs, progress=progress,
                             description=f"fold {fold} lstm")
        results["lstm"].append(_classification_report(yt, predict(lstm, xt)[0], k))

        for name, probabilities in baselines.static_answers(x, y, xt, k, seed).items():
            results[name].append(_classification_report(yt, probabilities, k))
        print("  macro-F1: " + ", ".join(f"{name} {r[-1]['macro_f1']:.3f}" for name, r in results.items()), flush=True)

    metrics: dict = {
        "protocol": {
            "split": f"{folds} folds over motion contents (whole motions held out)",
            "folds": [sorted(f) for f in assignments],
            "seed": seed,
            "windows": int(len(windows)),
            "window": dataclasses.asdict(WINDOW),
            "classes": list(recipe.classes),
            "train_config": train_config.to_dict(),
            "lstm_epochs": lstm_epochs,
            "model_config": model_config.to_dict(),
        },
    }
    for name, reports in results.items():
        entry = {
            "macro_f1": _summary([r["macro_f1"] for r in reports]),
            "top1": _summary([r["top1"] for r in reports]),
            "recall_per_class": {c: _summary([r["recall"][i] for r in reports]) for i, c in enumerate(recipe.classes)},
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
    rare: Sequence[str],
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
        validation_contents = content_folds(inner_clips, len(assignments) - 1, rare)[0]
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
    recipe = metrics.get("cross_source", {}).get("protocol", {}).get("recipe") or RECIPE.to_dict()
    if "cross_source" in metrics:
        lines += cross_source_table(metrics["cross_source"]) + [""]
    if "ablation" in metrics:
        lines += ablation_table(metrics["ablation"]) + [""]
    if "content_folds" in metrics:
        lines += content_fold_table(metrics["content_folds"], ours_title(recipe))
    return "\n".join(lines).rstrip("\n") + "\n"


def ours_title(recipe: dict) -> str:
    """The evaluated recipe's name in the tables: the transformer, with its LSTM member if any."""
    return "ours (EmotiPoseformer + LSTM)" if recipe.get("recurrent_member_epochs") else "ours (EmotiPoseformer)"


BASELINE_TITLES = {"lstm": "LSTM 2x256", "random_forest": "Random Forest (pose statistics)",
                   "motion_statistics_linear": "speed/acceleration statistics, linear"}


def held_out_sources(section: dict) -> list[str]:
    return list(section["protocol"]["tested_classes"])


def model_classes(section: dict) -> list[str]:
    """The classes of the models a section scored (sections written before recipes chose their
    classes were all of the sources' classes)."""
    return section["protocol"].get("classes", list(CLASSES))


def cross_source_table(section: dict) -> list[str]:
    sources = held_out_sources(section)
    ours_name = ours_title(section["protocol"]["recipe"])
    lines = [
        "**New people: leave one studio out, train on the others, test on its people** (judged as the node "
        f"publishes, argmax over all {len(model_classes(section))} classes, on the classes the held-out studio "
        f"labels that a training studio teaches; ours: mean ± std over {len(section['protocol']['seeds'])} "
        "training seeds, baselines: first seed; largest class share: mean, the class named from the first seed)",
        "",
        "| held out | model | macro-F1 | top-1 | clip vote | largest class share | ECE |",
        "|---|---|---|---|---|---|---|",
    ]
    for source in sources:
        ours, spread = section[source], section[source]["std"]
        lines.append(
            f"| {source} | {ours_name} | {ours['macro_f1']:.3f} ± {spread['macro_f1']:.3f} | "
            f"{ours['top1']:.3f} ± {spread['top1']:.3f} | {ours['clip_top1']:.3f} ± {spread['clip_top1']:.3f} | "
            f"{ours['largest_class_share']:.2f} ({ours['largest_class']}) | {ours['ece']:.3f} |")
        for key, other in ours.get("baselines", {}).items():
            lines.append(f"| {source} | {BASELINE_TITLES.get(key, key)} | {other['macro_f1']:.3f} | "
                         f"{other['top1']:.3f} | {other['clip_top1']:.3f} | {other['largest_class_share']:.2f} | |")
    lines.append(f"| **mean** | {ours_name} | **{section['mean_macro_f1']:.3f}** | | "
                 f"{section['mean_clip_top1']:.3f} | | |")
    lines += members_table(section)
    lines += ["", "Per class, affect and tempo (recall of each tested class; arousal order: mean predicted arousal "
              "sad < neutral < angry; tempo change: windows whose label changes between 0.7x and 1.4x replay; "
              "tempo takes: fast/slow takes read as neutral or unknown):", "",
              "| held out | recall | valence CCC | arousal CCC | arousal order | tempo change | tempo takes |",
              "|---|---|---|---|---|---|---|"]
    for source in sources:
        ours = section[source]
        recall = ", ".join(f"{c} {v:.2f}" for c, v in ours["per_class_recall"].items())
        tempo = f"{ours['tempo_takes_neutral']:.2f}" if "tempo_takes_neutral" in ours else "(none)"
        lines.append(f"| {source} | {recall} | {ours['valence_ccc']:.2f} | {ours['arousal_ccc']:.2f} | "
                     f"{'yes' if ours['arousal_order_ok'] else 'no'} | {ours['tempo_label_change']:.2f} | {tempo} |")
    return lines + validated_table(section) + class_table(section) + calibration_table(section)


def validated_table(section: dict) -> list[str]:
    """The same answers with the classes one source alone labels taken out of the argmax."""
    sources = [s for s in held_out_sources(section) if "validated_classes_only" in section[s]]
    if not sources:
        return []
    classes = section[sources[0]]["validated_classes_only"]["classes"]
    lines = ["", f"Without the classes one source alone labels (argmax over {', '.join(classes)} only; the same "
             "models and windows):", "", "| held out | macro-F1 (all classes) | macro-F1 | clip vote | "
             "largest class share | ECE |", "|---|---|---|---|---|---|"]
    for source in sources:
        ours, only = section[source], section[source]["validated_classes_only"]
        lines.append(f"| {source} | {ours['macro_f1']:.3f} | {only['macro_f1']:.3f} | {only['clip_top1']:.3f} | "
                     f"{only['largest_class_share']:.2f} ({only['largest_class']}) | {only['ece']:.3f} |")
    return lines


def class_table(section: dict) -> list[str]:
    """Which classes any figure validates: each class, the held-out people it was tested on, its
    recall on each held-out source."""
    sources = held_out_sources(section)
    actors = section["protocol"].get("actors", {})
    lines = ["", "Each class on people the model never saw (recall per held-out source; a class no held-out "
             "source tests is not validated):", "", "| class | held-out people | "
             + " | ".join(f"recall, {s} held out" for s in sources) + " |", "|---" * (2 + len(sources)) + "|"]
    for name in model_classes(section):
        tested = [s for s in sources if name in section[s]["per_class_recall"]]
        people = sum(actors.get(s) or 0 for s in tested)
        cells = [f"{section[s]['per_class_recall'][name]:.2f}" if s in tested else "" for s in sources]
        lines.append(f"| {name} | {people if tested else 'none'} | " + " | ".join(cells) + " |")
    return lines


def calibration_table(section: dict) -> list[str]:
    """The temperature fitted on people the model never saw, and what a node thresholding at the
    default min_confidence then receives."""
    lines = ["", f"Calibration on the new people (ECE, 15 bins; temperature per seed; a node at min_confidence "
             f"{DEFAULT_MIN_CONFIDENCE} labels the share shown, `unknown` the rest):", "",
             "| held out | temperature | ECE | ECE uncalibrated | labelled | top-1 of labelled |",
             "|---|---|---|---|---|---|"]
    for source in held_out_sources(section):
        ours = section[source]
        temperatures = ", ".join(f"{r['calibration']['temperature']:.2f}" for r in ours["runs"])
        lines.append(f"| {source} | {temperatures} | {ours['ece']:.3f} | {ours['ece_uncalibrated']:.3f} | "
                     f"{ours['labelled_share']:.2f} | {ours['labelled_top1']:.2f} |")
    return lines


def members_table(section: dict) -> list[str]:
    """The shipped ensemble against each of its members alone, from the same training runs."""
    sources = held_out_sources(section)
    if not all("members" in section[s] for s in sources):
        return []
    names = list(section[sources[0]]["members"])
    lines = ["", "Each member of ours alone (the same runs and windows; macro-F1, clip vote in brackets):", "",
             "| held out | averaged (shipped) | " + " | ".join(f"{n} alone" for n in names) + " |",
             "|---" * (len(names) + 2) + "|"]
    for source in sources:
        ours = section[source]
        cells = [f"{m['macro_f1']:.3f} ± {m['macro_f1_std']:.3f} ({m['clip_top1']:.3f})"
                 for m in ours["members"].values()]
        lines.append(f"| {source} | {ours['macro_f1']:.3f} ± {ours['std']['macro_f1']:.3f} "
                     f"({ours['clip_top1']:.3f}) | " + " | ".join(cells) + " |")
    return lines


def ablation_table(section: dict) -> list[str]:
    variants = section["variants"]
    sources = [key for key in next(iter(variants.values())) if key != "recipe"]
    lines = [
        "**Ablation** (each idea added alone to the baseline recipe, then all together; every source held out "
        "once, same seed, same test windows; macro-F1, clip vote in brackets)",
        "",
        "| recipe | " + " | ".join(f"held out {s}" for s in sources) + " | mean |",
        "|---" * (2 + len(sources)) + "|",
    ]
    for name, row in variants.items():
        cells = [f"{row[s]['macro_f1']:.3f} ({row[s]['clip_top1']:.3f})" for s in sources]
        mean = np.mean([row[s]["macro_f1"] for s in sources])
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {mean:.3f} |")
    return lines


def content_fold_table(metrics: dict, ours_name: str) -> list[str]:
    def cell(entry: dict) -> str:
        return f"{entry['mean']:.3f} ± {entry['std']:.3f}"

    names = {"emotiposeformer": ours_name, **{key: BASELINE_TITLES[key] for key in ("lstm", *baselines.STATIC)}}
    lines = [
        f"**New motions, same actors: {metrics['protocol']['split']}, Bandai only, "
        f"{len(metrics['protocol']['classes'])} classes**",
        "",
        "| model | macro-F1 | top-1 |",
        "|---|---|---|",
    ]
    for key, title in names.items():
        if key in metrics:  # a baseline added after the folds last ran has no row until they run again
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


def _draw_confusion(axis, matrix: np.ndarray, rows: Sequence[str], columns: Sequence[str], title: str):
    normalized = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    image = axis.imshow(normalized, cmap="Blues", vmin=0, vmax=1)
    axis.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
    axis.set_yticks(range(len(rows)), rows)
    for i in range(normalized.shape[0]):
        for j in range(normalized.shape[1]):
            axis.text(j, i, f"{normalized[i, j]:.2f}", ha="center", va="center", fontsize=7,
                      color="white" if normalized[i, j] > 0.5 else "black")
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title, fontsize=9)
    return image


def plot_confusion(matrix: np.ndarray, classes: Sequence[str], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 6))
    figure.colorbar(_draw_confusion(axis, matrix, classes, classes, f"{title}, row-normalized"))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_held_out_confusions(section: dict, path: Path) -> None:
    """One row-normalised confusion per held-out source: its tested classes (rows) against every
    class the model can answer (columns), summed over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sources = held_out_sources(section)
    figure, axes = plt.subplots(1, len(sources), figsize=(6 * len(sources), 3.5))
    for axis, source in zip(np.atleast_1d(axes), sources):
        classes = model_classes(section)
        rows = [classes.index(c) for c in section["protocol"]["tested_classes"][source]]
        matrix = np.array(section[source]["confusion"])[rows]
        image = _draw_confusion(axis, matrix, [classes[r] for r in rows], classes,
                                f"held out {source}: macro-F1 {section[source]['macro_f1']:.3f}")
    figure.colorbar(image, ax=list(np.atleast_1d(axes)))
    figure.savefig(path, dpi=100, bbox_inches="tight")
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
