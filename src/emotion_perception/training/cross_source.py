"""The headline evaluation: train on one studio's actors, test on another studio's actor.

Content folds (evaluate.py) hold out motions, but the same three actors are on both sides of
every fold, so they cannot tell a model that reads emotion from one that reads those actors.
Here whole sources are held out: Bandai -> Xia and Xia -> Bandai, judged on the classes both
label (SHARED_CLASSES) as the node publishes them: the argmax over *all* the model's classes,
so a window given a class outside the four is wrong. Test windows are the ones the node would
produce (warm-up windows included) from four static cameras a quarter turn apart per clip, at
the recorded speed, body as recorded.

A fifth of the training source's motions (every fifth content, `holdout_clips`) stays out of
training, for invariance. The temperature is fitted on people the model never saw, never on the
test source: on the training source as scored by the recipe trained on the other source.
"""
from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from torch import nn

from ..core.smoothing import DEFAULT_MIN_CONFIDENCE
from . import baselines
from .calibration import fit_temperature, rescale
from .invariance import agreement
from .metrics import (
    concordance_correlation,
    confusion,
    expected_calibration_error,
    labelled_share_and_top1,
    largest_class_share,
    macro_f1,
    per_class_recall,
    top1,
)
from .mocap.corpus import CLASSES, Clip, valence_arousal
from .mocap_windows import Simulation, WindowSet, build_windows
from .model import Ensemble, LstmBaseline, seeded
from .recipe import LSTM_BASELINE_EPOCHS, SHARED_CLASSES, WINDOW, Recipe, fit, trained_lstm_baseline
from .train import predict, train_model

TEST_VIEWS = 4
# Motions both studios recorded (a content's first word: walk-left, walk_s1 -> walk). A second
# reading of the same windows, so that a new person and a new kind of motion can be told apart.
SHARED_MOTIONS = ("walk", "run", "punch", "kick")
# The node judges every frame; windows 0.25 s apart keep the scoring affordable and change no figure
# by more than noise (each window overlaps its neighbours by 1.7 s of its 1.93 s).
TEST_SIMULATION = Simulation(speed_range=(1.0, 1.0), stride_s=0.25)
DIRECTIONS = (("bandai", "xia"), ("xia", "bandai"))
ENSEMBLE_MEMBERS = ("transformer", "lstm")  # the order recipe.fit builds them in


def holdout_clips(clips: Sequence[Clip], every: int = 5) -> set[str]:
    """Clip names of every `every`-th motion content of each source (in name order, from the
    third): calibration and invariance data that no training run sees. Whole motions, not clips,
    so that calibration sees the model unsure as it will be on motions it never learned. A source
    with fewer motions than `every` (Aalto's walk, limp and run) keeps them all: one of them would
    be a third of its clips."""
    held: set[str] = set()
    for source in sorted({c.source for c in clips}):
        contents = sorted({c.content for c in clips if c.source == source})
        contents = contents[2::every] if len(contents) >= every else []
        held.update(c.name for c in clips if c.source == source and c.content in contents)
    return held


def view_windows(clips: Sequence[Clip], seed: int, simulation: Simulation = TEST_SIMULATION,
                 views: int = TEST_VIEWS) -> tuple[WindowSet, np.ndarray]:
    """Windows of each clip from `views` static cameras a quarter turn apart, and each window's view."""
    sets, view_of = [], []
    for view in range(views):
        windows = build_windows(clips, CLASSES, WINDOW, seed, views=[1] * len(clips), simulation=simulation,
                                view_yaw=view * 2 * np.pi / views)
        sets.append(windows)
        view_of.append(np.full(len(windows), view))
    merged = WindowSet(np.concatenate([s.features for s in sets]), np.concatenate([s.labels for s in sets]),
                       np.concatenate([s.valence_arousal for s in sets]), np.concatenate([s.clip_index for s in sets]),
                       tuple(clips), CLASSES)
    return merged, np.concatenate(view_of)


def clip_vote_accuracy(truth: np.ndarray, predicted: np.ndarray, clip_index: np.ndarray, view: np.ndarray) -> float:
    """Accuracy of the majority class per (clip, camera view)."""
    correct = []
    for key in np.unique(np.stack([clip_index, view], axis=1), axis=0):
        members = (clip_index == key[0]) & (view == key[1])
        correct.append(np.bincount(predicted[members], minlength=len(CLASSES)).argmax() == truth[members][0])
    return float(np.mean(correct))


def motion_family(content: str) -> str:
    return re.split(r"[-_]", content, maxsplit=1)[0]


def invariance_sample(clips: Sequence[Clip], per_class: int = 10) -> list[Clip]:
    """A few held-out clips of each shared class, to measure invariance in every run cheaply."""
    return [c for label in SHARED_CLASSES for c in [c for c in clips if c.label == label][:per_class]]


def report(truth: np.ndarray, probabilities: np.ndarray, affect: np.ndarray, clip_index: np.ndarray,
           view: np.ndarray) -> dict:
    """Every figure of one direction, for windows whose truth is one of SHARED_CLASSES."""
    predicted = probabilities.argmax(axis=1)
    k = len(CLASSES)
    recall = per_class_recall(truth, predicted, k)
    va = np.array([valence_arousal(CLASSES[t]) for t in truth])
    labelled_share, labelled_top1 = labelled_share_and_top1(truth, probabilities, DEFAULT_MIN_CONFIDENCE)
    return {
        "windows": int(len(truth)), "clips": int(len(np.unique(clip_index))),
        "macro_f1": macro_f1(truth, predicted, k), "top1": top1(truth, predicted),
        "clip_top1": clip_vote_accuracy(truth, predicted, clip_index, view),
        "largest_class_share": largest_class_share(predicted),
        "largest_class": CLASSES[int(np.bincount(predicted, minlength=k).argmax())],
        "prediction_share": {c: float(np.mean(predicted == i)) for i, c in enumerate(CLASSES)},
        "per_class_recall": {c: float(recall[CLASSES.index(c)]) for c in SHARED_CLASSES},
        "valence_ccc": concordance_correlation(va[:, 0], affect[:, 0]),
        "arousal_ccc": concordance_correlation(va[:, 1], affect[:, 1]),
        "ece": expected_calibration_error(truth, probabilities),
        # at the node's default min_confidence: how much gets a label, and how much of that is right
        "labelled_share": labelled_share, "labelled_top1": labelled_top1,
        "confusion": confusion(truth, predicted, k).tolist(),
    }


def train_recipe(recipe: Recipe, clips: Sequence[Clip], seed: int, progress: bool) -> tuple[nn.Module, WindowSet]:
    windows = build_windows(clips, CLASSES, WINDOW, seed, simulation=recipe.simulation)
    sources = np.array([c.source for c in windows.clips])[windows.clip_index] if recipe.source_balanced else None
    model, _ = fit(recipe, windows.features, windows.labels, windows.valence_arousal, groups=sources,
                   progress=progress, description=f"train {'+'.join(sorted({c.source for c in clips}))}")
    return model, windows


def calibrate(model: nn.Module, held_out: Sequence[Clip], seed: int, also_at: Optional[float] = None) -> dict:
    """The temperature held-out clips' test-like windows would set, and their calibration error
    (with `also_at`: at that temperature too). For the record only: the temperature a model ships
    with is unseen_source_temperature's, so this leaves the model's at 1 for the caller to set."""
    windows, _ = view_windows(held_out, seed)
    model.temperature.fill_(1.0)
    probabilities, _ = predict(model, windows.features)
    temperature = fit_temperature(probabilities, windows.labels)
    figures = {"temperature": temperature, "windows": int(len(windows)),
               "ece_before": expected_calibration_error(windows.labels, probabilities),
               "ece_after": expected_calibration_error(windows.labels, rescale(probabilities, temperature))}
    if also_at is not None:
        figures["ece_at"] = {"temperature": also_at,
                             "ece": expected_calibration_error(windows.labels, rescale(probabilities, also_at))}
    return figures


TestSet = tuple[WindowSet, np.ndarray]  # windows and each window's camera view


def test_sets(clips: Sequence[Clip], seed: int) -> dict[str, TestSet]:
    """Each source's test windows: its clips of the shared classes, seen as cross_source scores them."""
    return {source: view_windows([c for c in clips if c.source == source and c.label in SHARED_CLASSES], seed)
            for source in sorted({train for train, _ in DIRECTIONS})}


@dataclass
class SourceModel:
    """The recipe trained on one source alone, with its temperature-1 answers on the other source."""
    source: str
    model: nn.Module
    train_windows: WindowSet
    probabilities: np.ndarray
    affect: np.ndarray
    seconds: float


def train_on_each_source(recipe: Recipe, clips: Sequence[Clip], tests: dict[str, TestSet], seed: int,
                         progress: bool) -> dict[str, SourceModel]:
    """The recipe trained on each source (less its held-out motions), scored on the other source."""
    held = holdout_clips(clips)
    trained = {}
    for train_source, test_source in DIRECTIONS:
        start = time.perf_counter()
        model, windows = train_recipe(recipe, [c for c in clips if c.source == train_source and c.name not in held],
                                      seed, progress)
        model.temperature.fill_(1.0)
        probabilities, affect = predict(model, tests[test_source][0].features)
        trained[train_source] = SourceModel(train_source, model, windows, probabilities, affect,
                                            time.perf_counter() - start)
    return trained


def unseen_source_temperature(trained: dict[str, SourceModel], tests: dict[str, TestSet],
                              sources: Sequence[str]) -> dict:
    """The temperature for people a model has never seen, fitted on the given sources' windows as
    scored by the recipe trained without them (each source weighs equally). A temperature fitted on
    held-out motions of the training actors sharpened the answers where new people needed them
    softened (the model card has the figures); one fitted on a studio the weights never saw is the
    only estimate we have of how sure the recipe should be of a stranger."""
    scored = {source: next(m for s, m in trained.items() if s != source) for source in sources}
    probabilities = np.concatenate([scored[s].probabilities for s in sources])
    truth = np.concatenate([tests[s][0].labels for s in sources])
    groups = np.concatenate([np.full(len(tests[s][0].labels), i) for i, s in enumerate(sources)])
    temperature = fit_temperature(probabilities, truth, groups)

    def ece(source: str, probabilities: np.ndarray) -> float:
        return expected_calibration_error(tests[source][0].labels, probabilities)

    return {"temperature": temperature, "fitted_on": [f"{s} scored by the recipe trained without it" for s in sources],
            "windows": int(len(truth)),
            "ece_before": {s: ece(s, scored[s].probabilities) for s in sources},
            "ece_after": {s: ece(s, rescale(scored[s].probabilities, temperature)) for s in sources}}


def run_pair(recipe: Recipe, clips: Sequence[Clip], tests: dict[str, TestSet], seed: int = 0,
             with_baselines: bool = False, progress: bool = True) -> dict[str, dict]:
    """Both directions with one seed. Each model's temperature is fitted on its own training
    source as scored by the model trained on the other source (unseen_source_temperature): the
    test source's labels never set it, and it is fitted on people that model never saw."""
    trained = train_on_each_source(recipe, clips, tests, seed, progress)
    return {f"{train}->{test}": report_direction(recipe, clips, trained[train], tests[test], seed,
                                                 unseen_source_temperature(trained, tests, [train]),
                                                 with_baselines, progress)
            for train, test in DIRECTIONS}


def report_direction(recipe: Recipe, clips: Sequence[Clip], trained: SourceModel, test: TestSet, seed: int,
                     calibration: dict, with_baselines: bool, progress: bool) -> dict:
    """Every figure of one direction at the given temperature, with the members alone, invariance on
    held-out motions and, for comparison, what a temperature fitted on those motions would give."""
    start = time.perf_counter()
    model, (test_windows, view) = trained.model, test
    held = holdout_clips(clips)
    held_out = [c for c in clips if c.source == trained.source and c.name in held]
    same_source = calibrate(model, held_out, seed)
    same_source["ece_on_test"] = expected_calibration_error(
        test_windows.labels, rescale(trained.probabilities, same_source["temperature"]))
    model.temperature.fill_(calibration["temperature"])
    probabilities = rescale(trained.probabilities, calibration["temperature"])
    result = report(test_windows.labels, probabilities, trained.affect, test_windows.clip_index, view)
    families = np.array([motion_family(c.content) for c in test_windows.clips])[test_windows.clip_index]
    shared = np.isin(families, SHARED_MOTIONS)
    on_shared = report(test_windows.labels[shared], probabilities[shared], trained.affect[shared],
                       test_windows.clip_index[shared], view[shared])
    result["shared_motions"] = {key: on_shared[key] for key in ("windows", "clips", "macro_f1", "top1", "clip_top1",
                                                                "largest_class_share", "largest_class")}
    result["ece_uncalibrated"] = expected_calibration_error(test_windows.labels, trained.probabilities)
    if isinstance(model, Ensemble):  # each member alone on the same windows: the ensemble's own ablation
        result["members"] = {name: member_scores(member, test_windows, view)
                             for name, member in zip(ENSEMBLE_MEMBERS, model.members)}
    result["invariance"] = agreement(lambda x: predict(model, x)[0], invariance_sample(held_out), seed)
    result["calibration"] = calibration
    result["same_source_calibration"] = same_source
    result["train_windows"] = int(len(trained.train_windows))
    result["train_seconds"] = round(trained.seconds + time.perf_counter() - start, 1)
    if with_baselines:
        result["baselines"] = baseline_scores(trained.train_windows, test_windows, recipe, seed, progress, model)
    return result


def member_scores(member: nn.Module, test: WindowSet, view: np.ndarray) -> dict:
    predicted = predict(member, test.features)[0].argmax(axis=1)
    return {"macro_f1": macro_f1(test.labels, predicted, len(CLASSES)), "top1": top1(test.labels, predicted),
            "clip_top1": clip_vote_accuracy(test.labels, predicted, test.clip_index, view),
            "largest_class_share": largest_class_share(predicted)}


def baseline_scores(train: WindowSet, test: WindowSet, recipe: Recipe, seed: int, progress: bool,
                    model: Optional[nn.Module] = None, lstm_epochs: int = LSTM_BASELINE_EPOCHS) -> dict:
    k = len(CLASSES)
    lstm = trained_lstm_baseline(model, recipe, lstm_epochs) if model is not None else None
    if lstm is None:
        lstm = seeded(lambda: LstmBaseline(k), recipe.train.seed)
        train_model(lstm, train.features, train.labels, train.valence_arousal,
                    dataclasses.replace(recipe.train, epochs=lstm_epochs), progress=progress, description="lstm")
    forest = baselines.random_forest(seed).fit(baselines.pose_statistics(train.features), train.labels)
    forest_probabilities = np.zeros((len(test), k))
    forest_probabilities[:, forest.classes_] = forest.predict_proba(baselines.pose_statistics(test.features))
    scores = {}
    for name, probabilities in (("lstm", predict(lstm, test.features)[0]), ("random_forest", forest_probabilities)):
        predicted = probabilities.argmax(axis=1)
        scores[name] = {"macro_f1": macro_f1(test.labels, predicted, k), "top1": top1(test.labels, predicted),
                        "largest_class_share": largest_class_share(predicted)}
    return scores


def ablation(variants: dict[str, Recipe], clips: Sequence[Clip], seed: int = 0, progress: bool = False) -> dict:
    """Each recipe variant in both directions, same seeds and the same test windows."""
    tests = test_sets(clips, seed)
    table: dict = {}
    for name, recipe in variants.items():
        table[name] = {"recipe": recipe.to_dict()}
        for direction, result in run_pair(recipe, clips, tests, seed, progress=progress).items():
            table[name][direction] = {
                key: result[key] for key in ("macro_f1", "top1", "clip_top1", "largest_class_share", "largest_class",
                                             "ece", "train_seconds", "invariance")}
            print(f"  {name:32s} {direction}: macro-F1 {result['macro_f1']:.3f} "
                  f"clip {result['clip_top1']:.3f} largest {result['largest_class']} "
                  f"{result['largest_class_share']:.2f} ({result['train_seconds']:.0f} s)", flush=True)
    return table
