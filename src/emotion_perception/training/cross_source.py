"""The headline evaluation: leave one studio out, train on the others, test on its people.

Content folds (evaluate.py) hold out motions, but the same actors are on both sides of every
fold, so they cannot tell a model that reads emotion from one that reads those actors. Here each
source (studio and actors) is held out in turn and the recipe is trained on all the others. The
held-out source is judged on the classes it labels that some training source teaches (a class no
training source labels cannot be learned, so it is not a test of transfer), as the node publishes:
the argmax over *all* the model's classes (the recipe's), so a window given a class outside those
is wrong. Test
windows are the ones the node would produce (warm-up windows included) from four static cameras a
quarter turn apart per clip, at the recorded speed, body as recorded. Tempo takes (tempo
instructions with no emotion, `tempo_control`) are scored apart: they should read as neutral.

Every fifth content of a source with enough motions (`holdout_clips`) stays out of training, for
invariance. The temperature is fitted on people the model never saw and never on the test source:
on each training source as scored by the recipe trained without that source.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import torch
from torch import nn

from ..core.data_sources import cache_dir
from ..core.smoothing import DEFAULT_MIN_CONFIDENCE
from . import baselines
from .calibration import fit_temperature, rescale
from .identity import recipe_hash
from .invariance import agreement, tempo_label_change
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
from .mocap.corpus import SOURCES, Clip, landmarks_key, valence_arousal
from .mocap_windows import Simulation, WindowSet, build_windows, simulation_digest
from .model import Ensemble
from .recipe import WINDOW, Recipe, fit, lstm_baseline, untrained
from .train import predict

TEST_VIEWS = 4
# The node judges every frame; windows a quarter second apart keep the scoring affordable, and
# each overlaps its neighbours by most of its span, so the figures are those of every frame.
TEST_SIMULATION = Simulation(speed_range=(1.0, 1.0), stride_s=0.25)
ENSEMBLE_MEMBERS = ("transformer", "lstm")  # the order recipe.fit builds them in
# Arousal should rise from sad through neutral to angry on every held-out source (the circumplex
# places them so); the order of the mean predicted arousal per true class is checked.
AROUSAL_ORDER = ("sad", "neutral", "angry")


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


def view_windows(clips: Sequence[Clip], seed: int, classes: Sequence[str], simulation: Simulation = TEST_SIMULATION,
                 views: int = TEST_VIEWS) -> tuple[WindowSet, np.ndarray]:
    """Windows of each clip from `views` static cameras a quarter turn apart, and each window's
    view; labels index `classes` (the model's)."""
    sets, view_of = [], []
    for view in range(views):
        windows = build_windows(clips, classes, WINDOW, seed, views=[1] * len(clips), simulation=simulation,
                                view_yaw=view * 2 * np.pi / views)
        sets.append(windows)
        view_of.append(np.full(len(windows), view))
    merged = WindowSet(np.concatenate([s.features for s in sets]), np.concatenate([s.labels for s in sets]),
                       np.concatenate([s.valence_arousal for s in sets]), np.concatenate([s.clip_index for s in sets]),
                       tuple(clips), tuple(classes))
    return merged, np.concatenate(view_of)


def clip_vote_accuracy(truth: np.ndarray, predicted: np.ndarray, clip_index: np.ndarray, view: np.ndarray) -> float:
    """Accuracy of the majority class per (clip, camera view)."""
    correct = []
    for key in np.unique(np.stack([clip_index, view], axis=1), axis=0):
        members = (clip_index == key[0]) & (view == key[1])
        correct.append(np.bincount(predicted[members]).argmax() == truth[members][0])
    return float(np.mean(correct))


def judged_classes(clips: Sequence[Clip], held_out: str, classes: Sequence[str]) -> tuple[str, ...]:
    """The model's `classes` that the held-out source labels and some training source teaches."""
    labelled = {c.label for c in clips if c.source == held_out and not c.tempo_control}
    taught = {c.label for c in clips if c.source != held_out}
    return tuple(c for c in classes if c in labelled & taught)


def arousal_means(truth: np.ndarray, affect: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    """The mean predicted arousal of each true class present (`truth` indexes `classes`)."""
    return {classes[k]: float(affect[truth == k, 1].mean()) for k in np.unique(truth)}


def arousal_order_ok(means: dict[str, float]) -> bool:
    """Whether the classes of AROUSAL_ORDER present are ordered by their mean predicted arousal."""
    present = [means[c] for c in AROUSAL_ORDER if c in means]
    return bool(all(a < b for a, b in zip(present, present[1:])))


def report(truth: np.ndarray, probabilities: np.ndarray, affect: np.ndarray, clip_index: np.ndarray,
           view: np.ndarray, classes: Sequence[str]) -> dict:
    """Every figure of one held-out source, for its test windows (`truth` indexes the model's `classes`)."""
    predicted = probabilities.argmax(axis=1)
    k = len(classes)
    recall = per_class_recall(truth, predicted, k)
    va = np.array([valence_arousal(classes[t]) for t in truth])
    labelled_share, labelled_top1 = labelled_share_and_top1(truth, probabilities, DEFAULT_MIN_CONFIDENCE)
    means = arousal_means(truth, affect, classes)
    return {
        "windows": int(len(truth)), "clips": int(len(np.unique(clip_index))),
        "macro_f1": macro_f1(truth, predicted, k), "top1": top1(truth, predicted),
        "clip_top1": clip_vote_accuracy(truth, predicted, clip_index, view),
        "largest_class_share": largest_class_share(predicted),
        "largest_class": classes[int(np.bincount(predicted, minlength=k).argmax())],
        "prediction_share": {c: float(np.mean(predicted == i)) for i, c in enumerate(classes)},
        "per_class_recall": {classes[i]: float(recall[i]) for i in np.unique(truth)},
        "valence_ccc": concordance_correlation(va[:, 0], affect[:, 0]),
        "arousal_ccc": concordance_correlation(va[:, 1], affect[:, 1]),
        "arousal_means": means, "arousal_order_ok": arousal_order_ok(means),
        "ece": expected_calibration_error(truth, probabilities),
        # at the node's default min_confidence: how much gets a label, and how much of that is right
        "labelled_share": labelled_share, "labelled_top1": labelled_top1,
        "confusion": confusion(truth, predicted, k).tolist(),
    }


def neutral_or_unknown_share(probabilities: np.ndarray, classes: Sequence[str]) -> float:
    """The share of windows a node publishes as neutral or `unknown` (below min_confidence)."""
    unknown = probabilities.max(axis=1) < DEFAULT_MIN_CONFIDENCE
    return float(np.mean(unknown | (probabilities.argmax(axis=1) == list(classes).index("neutral"))))


def train_recipe(recipe: Recipe, clips: Sequence[Clip], seed: int, progress: bool) -> tuple[nn.Module, WindowSet]:
    """The recipe trained on these clips' windows. Training is the slow part of every protocol and
    the same model is asked for again (export trains the evaluation's leave-one-out models for its
    temperature), so trained weights are kept on disk (the cache directory's models/), keyed by the
    recipe, the seed, the clips and the simulation's code, as the windows are. Clips of classes
    the recipe does not learn are left out."""
    clips = recipe.taught(clips)
    windows = build_windows(clips, recipe.classes, WINDOW, seed, simulation=recipe.simulation)
    key = json.dumps([recipe_hash(recipe), seed, [landmarks_key(c) for c in clips], simulation_digest()])
    path = cache_dir() / "models" / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.pt"
    if path.exists():
        model = untrained(recipe)
        model.load_state_dict(torch.load(path, weights_only=True))
        return model.eval(), windows
    model, _ = fit(recipe, windows.features, windows.labels, windows.valence_arousal,
                   groups=source_groups(recipe, windows),
                   progress=progress, description=f"train {'+'.join(sorted({c.source for c in clips}))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    torch.save(model.state_dict(), partial)
    partial.replace(path)
    return model, windows


def source_groups(recipe: Recipe, windows: WindowSet) -> Optional[np.ndarray]:
    """Each window's source, when the recipe's class loss weighs sources equally."""
    return np.array([c.source for c in windows.clips])[windows.clip_index] if recipe.source_balanced else None


TestSet = tuple[WindowSet, np.ndarray]  # windows and each window's camera view


@dataclass
class HeldOutSet:
    """What one held-out source is scored on: its labelled clips of the tested classes, and its
    tempo takes (none for a source without), labelled in the model's classes. `validated`: the
    model's classes two or more sources label (the only ones a held-out figure can exist for);
    where the model has others, the figures are also given with its answer restricted to these,
    to show what the classes one source alone labels cost."""
    classes: tuple[str, ...]
    test: TestSet
    tempo: Optional[TestSet]
    validated: tuple[str, ...]

    @property
    def model_classes(self) -> tuple[str, ...]:
        return self.test[0].classes

    @property
    def clips(self) -> tuple[Clip, ...]:
        return self.test[0].clips


def held_out_set(clips: Sequence[Clip], classes: Sequence[str], seed: int, model_classes: Sequence[str],
                 validated: Optional[Sequence[str]] = None) -> HeldOutSet:
    """One source's test windows (its clips of `classes`), seen as the node would see its people."""
    tested = [c for c in clips if not c.tempo_control and c.label in classes]
    tempo = [c for c in clips if c.tempo_control]
    return HeldOutSet(tuple(classes), view_windows(tested, seed, model_classes),
                      view_windows(tempo, seed, model_classes) if tempo else None,
                      tuple(model_classes if validated is None else validated))


def validated_classes(clips: Sequence[Clip], classes: Sequence[str]) -> tuple[str, ...]:
    """The `classes` labelled by two or more sources."""
    return tuple(k for k in classes if len({c.source for c in clips if c.label == k and not c.tempo_control}) >= 2)


def held_out_sets(clips: Sequence[Clip], seed: int, model_classes: Sequence[str],
                  sources: Sequence[str] = SOURCES) -> dict[str, HeldOutSet]:
    validated = validated_classes(clips, model_classes)
    return {source: held_out_set([c for c in clips if c.source == source],
                                 judged_classes(clips, source, model_classes), seed, model_classes, validated)
            for source in sources}


def restricted_to(probabilities: np.ndarray, model_classes: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """The answers of a model that knows only `classes`: the others' probability taken out and the
    rest renormalised (what dropping the classes would give, short of retraining without them)."""
    keep = np.isin(model_classes, classes)
    kept = probabilities * keep
    return kept / np.maximum(kept.sum(axis=1, keepdims=True), 1e-12)


def score(held_out: HeldOutSet, answers: Callable[[np.ndarray], np.ndarray], probabilities: np.ndarray,
          affect: np.ndarray, seed: int) -> dict:
    """The figures of a held-out source: `probabilities` and `affect` are the model's answers on its
    test windows, `answers` the model itself (probabilities of any windows) for the tempo checks."""
    windows, view = held_out.test
    result = {"classes": list(held_out.classes)}
    classes = held_out.model_classes
    result.update(report(windows.labels, probabilities, affect, windows.clip_index, view, classes))
    result["tempo_label_change"] = tempo_label_change(answers, held_out.clips, seed)["share"]
    if held_out.tempo is not None:
        result["tempo_takes_neutral"] = neutral_or_unknown_share(answers(held_out.tempo[0].features), classes)
    if set(held_out.validated) < set(classes):
        restricted = report(windows.labels, restricted_to(probabilities, classes, held_out.validated), affect,
                            windows.clip_index, view, classes)
        result["validated_classes_only"] = {key: restricted[key] for key in RESTRICTED_FIGURES}
        result["validated_classes_only"]["classes"] = list(held_out.validated)
    return result


RESTRICTED_FIGURES = ("macro_f1", "top1", "clip_top1", "largest_class_share", "largest_class", "ece",
                      "per_class_recall")


@dataclass
class HeldOutModel:
    """The recipe trained without one source, with its temperature-1 answers on that source."""
    held_out: str
    model: nn.Module
    train_windows: WindowSet
    probabilities: np.ndarray
    affect: np.ndarray
    seconds: float


def train_leaving_out_each(recipe: Recipe, clips: Sequence[Clip], tests: dict[str, HeldOutSet], seed: int,
                           progress: bool) -> dict[str, HeldOutModel]:
    """The recipe trained on every source but one (less the held-out motions), scored on that one."""
    held = holdout_clips(clips)
    trained = {}
    for source, test in tests.items():
        start = time.perf_counter()
        model, windows = train_recipe(recipe, [c for c in clips if c.source != source and c.name not in held],
                                      seed, progress)
        model.temperature.fill_(1.0)
        probabilities, affect = predict(model, test.test[0].features)
        trained[source] = HeldOutModel(source, model, windows, probabilities, affect, time.perf_counter() - start)
    return trained


def unseen_source_temperature(trained: dict[str, HeldOutModel], tests: dict[str, HeldOutSet],
                              sources: Sequence[str]) -> dict:
    """The temperature for people a model has never seen, fitted on the given sources' windows as
    scored by the recipe trained without each of them (each source weighs equally). A temperature
    fitted on held-out motions of the training actors sharpened the answers where new people
    needed them softened (the model card has the figures); one fitted on studios the weights never
    saw is the only estimate we have of how sure the recipe should be of a stranger."""
    probabilities = np.concatenate([trained[s].probabilities for s in sources])
    truth = np.concatenate([tests[s].test[0].labels for s in sources])
    groups = np.concatenate([np.full(len(tests[s].test[0].labels), i) for i, s in enumerate(sources)])
    temperature = fit_temperature(probabilities, truth, groups)

    def ece(source: str, probabilities: np.ndarray) -> float:
        return expected_calibration_error(tests[source].test[0].labels, probabilities)

    return {"temperature": temperature, "fitted_on": [f"{s} scored by the recipe trained without it" for s in sources],
            "windows": int(len(truth)),
            "ece_before": {s: ece(s, trained[s].probabilities) for s in sources},
            "ece_after": {s: ece(s, rescale(trained[s].probabilities, temperature)) for s in sources}}


def leave_one_source_out(recipe: Recipe, clips: Sequence[Clip], tests: dict[str, HeldOutSet], seed: int = 0,
                         with_baselines: bool = False, progress: bool = True) -> dict[str, dict]:
    """Every source held out once, with one seed. Each model's temperature is fitted on the other
    sources as scored by the models trained without them (unseen_source_temperature): the held-out
    source's labels never set it."""
    trained = train_leaving_out_each(recipe, clips, tests, seed, progress)
    return {source: report_held_out(recipe, clips, trained[source], tests[source], seed,
                                    unseen_source_temperature(trained, tests, [s for s in tests if s != source]),
                                    with_baselines, progress)
            for source in tests}


def report_held_out(recipe: Recipe, clips: Sequence[Clip], trained: HeldOutModel, held_out: HeldOutSet, seed: int,
                    calibration: dict, with_baselines: bool, progress: bool) -> dict:
    """Every figure of one held-out source at the given temperature: the members alone, tempo,
    and invariance on held-out motions of the training sources."""
    start = time.perf_counter()
    model, (test_windows, view) = trained.model, held_out.test
    model.temperature.fill_(calibration["temperature"])

    def answers(x: np.ndarray) -> np.ndarray:
        return predict(model, x)[0]

    result = score(held_out, answers, rescale(trained.probabilities, calibration["temperature"]), trained.affect,
                   seed)
    result["ece_uncalibrated"] = expected_calibration_error(test_windows.labels, trained.probabilities)
    if isinstance(model, Ensemble):  # each member alone on the same windows: the ensemble's own ablation
        result["members"] = {name: member_scores(member, test_windows, view)
                             for name, member in zip(ENSEMBLE_MEMBERS, model.members)}
    held = holdout_clips(clips)
    result["invariance"] = agreement(answers, invariance_sample([c for c in clips if c.name in held
                                                                 and c.source != trained.held_out],
                                                                recipe.classes), seed)
    result["calibration"] = calibration
    result["train_windows"] = int(len(trained.train_windows))
    result["train_seconds"] = round(trained.seconds + time.perf_counter() - start, 1)
    if with_baselines:
        result["baselines"] = baseline_scores(trained.train_windows, held_out, recipe, seed, model, progress)
    return result


def invariance_sample(clips: Sequence[Clip], classes: Sequence[str], per_class: int = 10) -> list[Clip]:
    """A few held-out clips of each of the model's classes, to measure invariance in every run cheaply."""
    return [c for label in classes for c in [c for c in clips if c.label == label][:per_class]]


def member_scores(member: nn.Module, test: WindowSet, view: np.ndarray) -> dict:
    predicted = predict(member, test.features)[0].argmax(axis=1)
    return {"macro_f1": macro_f1(test.labels, predicted, len(test.classes)), "top1": top1(test.labels, predicted),
            "clip_top1": clip_vote_accuracy(test.labels, predicted, test.clip_index, view),
            "largest_class_share": largest_class_share(predicted)}


def baseline_scores(train: WindowSet, held_out: HeldOutSet, recipe: Recipe, seed: int, model: nn.Module,
                    progress: bool = True) -> dict:
    """The baselines on the same windows: the seed's LSTM 2x256 (the ensemble's member when the
    recipe has it), the Random Forest on pose statistics, and the gait literature's per-joint
    speed and acceleration statistics with a linear classifier."""
    test, view = held_out.test
    k = len(recipe.classes)
    lstm = lstm_baseline(model, recipe, train.features, train.labels, train.valence_arousal,
                         groups=source_groups(recipe, train), progress=progress, description="lstm baseline")
    answers = {"lstm": predict(lstm, test.features)[0]}
    answers.update(baselines.static_answers(train.features, train.labels, test.features, k, seed))
    scores = {}
    for name, probabilities in answers.items():
        predicted = probabilities.argmax(axis=1)
        scores[name] = {"macro_f1": macro_f1(test.labels, predicted, k), "top1": top1(test.labels, predicted),
                        "clip_top1": clip_vote_accuracy(test.labels, predicted, test.clip_index, view),
                        "largest_class_share": largest_class_share(predicted)}
    return scores


def ablation(variants: dict[str, Recipe], clips: Sequence[Clip], seed: int = 0, progress: bool = False) -> dict:
    """Each recipe variant with every source held out once, same seed and the same test windows."""
    table: dict = {}
    for name, recipe in variants.items():
        tests = held_out_sets(clips, seed, recipe.classes)
        table[name] = {"recipe": recipe.to_dict()}
        for source, result in leave_one_source_out(recipe, clips, tests, seed, progress=progress).items():
            table[name][source] = {
                key: result[key] for key in ("macro_f1", "top1", "clip_top1", "largest_class_share", "largest_class",
                                             "ece", "train_seconds", "invariance", "tempo_label_change")}
            print(f"  {name:32s} held out {source}: macro-F1 {result['macro_f1']:.3f} "
                  f"clip {result['clip_top1']:.3f} largest {result['largest_class']} "
                  f"{result['largest_class_share']:.2f} ({result['train_seconds']:.0f} s)", flush=True)
    return table
