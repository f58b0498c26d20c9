"""Training on real data slices: windows, folds without leakage, a model that learns, export."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from emotion_perception.core.inference import EmotionEngine, load_model, save_model
from emotion_perception.core.normalize import FEATURE_CHANNELS
from emotion_perception.training.calibration import fit_temperature, rescale
from emotion_perception.training.cross_source import (
    HeldOutModel,
    HeldOutSet,
    clip_vote_accuracy,
    holdout_clips,
    unseen_source_temperature,
    view_windows,
)
from emotion_perception.training.evaluate import RARE_CLASSES, LeakageError, fold_masks, one_standard_error_choice
from emotion_perception.training.export import metadata_for
from emotion_perception.training.metrics import expected_calibration_error, largest_class_share
from emotion_perception.training.mocap.corpus import CLASSES, list_clips
from emotion_perception.training.mocap_windows import WindowSet, build_windows, content_folds
from emotion_perception.training.model import EmotiPoseformer, EmotiPoseformerConfig, Ensemble, quantize_int8, seeded
from emotion_perception.training.recipe import CHOSEN, RECIPE, WINDOW, fit, lstm_baseline
from emotion_perception.training.train import TrainConfig, predict, train_model, training_epochs


@pytest.fixture(scope="module")
def clips():
    return list_clips()


@pytest.fixture(scope="module")
def walk_windows(clips) -> WindowSet:
    """dataset-2 straight walks in three styles: neutral, tired (exhausted) and energetic (active)."""
    chosen = [c for c in clips if c.dataset == "dataset-2" and c.content == "walk"]
    return build_windows(chosen, ("neutral", "tired", "energetic"), WINDOW, seed=1, views=[2] * len(chosen), workers=1)


def test_folds_partition_the_motions_and_never_leak(clips):
    folds = content_folds(clips, 5, RARE_CLASSES)
    contents = {c.content for c in clips}
    assert set().union(*folds) == contents and sum(len(f) for f in folds) == len(contents)
    rare_per_fold = [sum(c.label in RARE_CLASSES and c.content in f for c in clips) for f in folds]
    assert min(rare_per_fold) > 0, "every fold tests the rare classes on some motion"
    windows = build_windows(clips[:: 40], CLASSES, WINDOW, seed=0, views=[1] * len(clips[::40]), workers=1)
    held_out_total = 0
    for fold in folds:
        train, test = fold_masks(windows, fold)
        held_out_total += test.sum()
        train_clips = set(windows.clip_index[train])
        assert not train_clips & set(windows.clip_index[test])
    assert held_out_total == len(windows), "every window is tested exactly once"


def test_leakage_is_detected():
    from pathlib import Path

    from emotion_perception.training.evaluate import assert_no_leakage
    from emotion_perception.training.mocap.corpus import Clip

    walk = Clip("a", Path("a.bvh"), "dataset-1", "walk", "sad", "sad")
    bow = Clip("b", Path("b.bvh"), "dataset-1", "bow", "sad", "sad")
    windows = WindowSet(np.zeros((3, 30, 33, 4), np.float32), np.zeros(3, int), np.zeros((3, 2), np.float32),
                        np.array([0, 0, 1]), (walk, bow), ("sad",))
    assert_no_leakage(windows, np.array([True, True, False]), np.array([False, False, True]))
    with pytest.raises(LeakageError, match="walk"):  # one clip's windows on both sides
        assert_no_leakage(windows, np.array([True, False, False]), np.array([False, True, True]))


def test_mocap_windows_are_what_the_node_would_feed(walk_windows):
    assert walk_windows.features.shape[1:] == (WINDOW.length, 33, len(FEATURE_CHANNELS))
    assert np.isfinite(walk_windows.features).all()
    present = walk_windows.features[..., 3]
    assert set(np.unique(present)) <= {0.0, 1.0} and present.mean() > 0.7
    assert np.bincount(walk_windows.labels).min() > 20


def test_a_small_model_learns_gaits_from_real_mocap(walk_windows, record_property):
    clip_ids = np.unique(walk_windows.clip_index)
    held = np.isin(walk_windows.clip_index, clip_ids[::4])  # every 4th clip held out
    model = seeded(lambda: EmotiPoseformer(EmotiPoseformerConfig(num_classes=3, window_length=WINDOW.length)), 0)
    ws = walk_windows
    before = (predict(model, ws.features[held])[0].argmax(1) == ws.labels[held]).mean()
    history = train_model(model, ws.features[~held], ws.labels[~held], ws.valence_arousal[~held],
                          TrainConfig(epochs=8, batch_size=64, seed=0), progress=False)
    after = (predict(model, ws.features[held])[0].argmax(1) == ws.labels[held]).mean()
    record_property(
        "measurement",
        f"held-out takes, neutral/tired/energetic walks: accuracy {before:.2f} untrained -> {after:.2f} trained",
    )
    assert history.train_loss[-1] < history.train_loss[0]
    assert after > 0.6 and after > before + 0.2


def test_training_twice_with_one_seed_gives_the_same_weights(walk_windows):
    """What lets `make train` reproduce the shipped file: seeded initial weights, data and order."""
    ws = walk_windows.subset(np.arange(len(walk_windows)) % 3 == 0)
    config = TrainConfig(epochs=1, batch_size=64, seed=5)
    runs = []
    for _ in range(2):
        model = seeded(lambda: EmotiPoseformer(dataclasses.replace(CHOSEN, num_classes=3)), config.seed)
        train_model(model, ws.features, ws.labels, ws.valence_arousal, config, progress=False)
        runs.append(model.state_dict())
    for name, tensor in runs[0].items():
        assert torch.equal(tensor, runs[1][name]), name
    other = seeded(lambda: EmotiPoseformer(dataclasses.replace(CHOSEN, num_classes=3)), 6).state_dict()
    assert not all(torch.equal(t, other[n]) for n, t in runs[0].items())


def test_a_small_training_set_gets_as_many_optimizer_steps_as_a_large_one(walk_windows):
    """Xia alone is a tenth of any Bandai set: with a minimum epoch size it is trained for as many
    steps as Bandai's, while a set above the minimum keeps the configured passes."""
    assert training_epochs(RECIPE.train, 1_974) == 98 and training_epochs(RECIPE.train, 19_487) == RECIPE.train.epochs
    ws = walk_windows.subset(np.arange(len(walk_windows)) < 40)
    config = TrainConfig(epochs=2, batch_size=64, min_epoch_windows=100)
    model = seeded(lambda: EmotiPoseformer(dataclasses.replace(CHOSEN, num_classes=3)), 0)
    history = train_model(model, ws.features, ws.labels, ws.valence_arousal, config, progress=False)
    assert len(history.train_loss) == 5  # ceil(2 * 100 / 40)


def test_size_selection_prefers_the_smallest_model_within_one_standard_error():
    parameters = {"small": 10, "medium": 100, "large": 1000}
    close = {"small": [0.52, 0.54, 0.50], "medium": [0.53, 0.55, 0.51], "large": [0.54, 0.58, 0.50]}
    assert one_standard_error_choice(close, parameters)[:2] == ("small", "large")  # 0.52 >= 0.54 - SE 0.023
    clear = {"small": [0.30, 0.31, 0.29], "medium": [0.53, 0.55, 0.51], "large": [0.54, 0.56, 0.52]}
    assert one_standard_error_choice(clear, parameters)[0] == "medium"


def test_the_exported_model_outputs_what_the_training_model_outputs(walk_windows, tmp_path):
    torch.manual_seed(0)
    model = EmotiPoseformer(CHOSEN).eval()
    path = tmp_path / "m.pt"
    save_model(model, metadata_for("test/0", RECIPE, {}), path)
    engine = EmotionEngine(path, device="cpu")
    x = walk_windows.features[:16]
    expected, expected_va = predict(model, x)
    got = engine.predict(x)
    np.testing.assert_allclose(np.stack([g.probabilities for g in got]), expected, atol=1e-5)
    np.testing.assert_allclose(np.array([[g.valence, g.arousal] for g in got]), expected_va, atol=1e-5)
    assert load_model(path).metadata.license.startswith("CC BY-NC 4.0")
    int8_path = tmp_path / "m8.pt"
    save_model(torch.jit.script(quantize_int8(model)), metadata_for("test/0-int8", RECIPE, {}), int8_path)
    int8 = np.stack([p.probabilities for p in EmotionEngine(int8_path, device="cpu").predict(x)])
    assert np.abs(int8 - expected).max() < 0.05


def test_the_recipes_model_averages_its_members_and_exports_as_one_file(walk_windows, tmp_path):
    """The shipped recipe trains a transformer and an LSTM on the same windows; the file the node
    loads gives the mean of their probabilities, rescaled by the one fitted temperature."""
    ws = walk_windows.subset(np.arange(len(walk_windows)) % 3 == 0)
    recipe = dataclasses.replace(RECIPE, train=dataclasses.replace(RECIPE.train, epochs=1, batch_size=64),
                                 recurrent_member_epochs=1)
    model, _ = fit(recipe, ws.features, ws.labels, ws.valence_arousal, progress=False)
    windows = (ws.features, ws.labels, ws.valence_arousal)
    assert isinstance(model, Ensemble) and lstm_baseline(model, recipe, *windows, epochs=1) is model.members[1]
    longer = lstm_baseline(model, recipe, *windows, epochs=2, progress=False)
    assert longer is not model.members[1], "a baseline trained longer is not the member: it is trained"
    x = ws.features[:16]
    members = [predict(member, x) for member in model.members]
    averaged, affect = predict(model, x)
    np.testing.assert_allclose(averaged, np.mean([m[0] for m in members], axis=0), atol=1e-6)
    np.testing.assert_allclose(affect, np.mean([m[1] for m in members], axis=0), atol=1e-6)
    assert np.abs(members[0][0] - members[1][0]).max() > 1e-3, "the members differ, so the average is not one of them"

    model.temperature.fill_(2.0)
    path = tmp_path / "ensemble.pt"
    save_model(model, metadata_for("test/ensemble", RECIPE, {}), path)
    got = np.stack([g.probabilities for g in EmotionEngine(path, device="cpu").predict(x)])
    np.testing.assert_allclose(got, rescale(averaged, 2.0), atol=1e-5)
    int8_path = tmp_path / "ensemble8.pt"
    save_model(torch.jit.script(quantize_int8(model)), metadata_for("test/ensemble-int8", RECIPE, {}), int8_path)
    int8 = np.stack([p.probabilities for p in EmotionEngine(int8_path, device="cpu").predict(x)])
    assert np.abs(int8 - got).max() < 0.05


def test_held_out_motions_are_whole_contents_of_every_source(clips):
    held = holdout_clips(clips)
    for source in ("bandai", "xia"):
        mine = [c for c in clips if c.source == source]
        held_contents = {c.content for c in mine if c.name in held}
        assert held_contents and all((c.name in held) == (c.content in held_contents) for c in mine)
        assert 0.05 < sum(c.name in held for c in mine) / len(mine) < 0.4
    assert {c.label for c in clips if c.name in held and c.source == "xia"} == {"neutral", "sad", "angry", "proud"}


def test_evaluation_views_are_four_cameras_a_quarter_turn_apart_with_the_nodes_warm_up_windows(clips):
    short = [c for c in clips if c.source == "xia" and c.content == "jump_1"][:3]  # 1.2-1.3 s each
    windows, view = view_windows(short, seed=0, classes=CLASSES)
    assert set(view.tolist()) == {0, 1, 2, 3}
    assert np.bincount(view).min() > 0, "every camera sees the person (a torso hidden from one view costs windows)"
    # clips shorter than one 1.93 s window still give windows: the node judges a person from their
    # 15th valid frame (0.93 s) on, with the rest of the window empty
    assert len(windows) >= 2 * len(short)
    assert (windows.features[..., 3].max(axis=2) == 0).any(axis=1).all(), "warm-up windows: early frames empty"
    assert (
        clip_vote_accuracy(np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]), np.zeros(4, int))
        == 1.0
    )


def answers_overconfident_by(rng: np.random.Generator, temperature: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities over 4 classes, and labels drawn as if the truth were those probabilities
    softened by `temperature`: the temperature that calibrates them is `temperature`."""
    logits = rng.normal(0, 3, size=(n, 4))
    probabilities = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return probabilities, np.array([rng.choice(4, p=p) for p in rescale(probabilities, temperature)])


def test_calibration_metrics_and_temperature_recover_what_they_should():
    true_temperature = 2.5
    overconfident, truth = answers_overconfident_by(np.random.default_rng(0), true_temperature, 20000)
    calibrated = rescale(overconfident, true_temperature)
    assert expected_calibration_error(truth, calibrated) < 0.02
    assert expected_calibration_error(truth, overconfident) > 0.1
    assert fit_temperature(overconfident, truth) == pytest.approx(true_temperature, rel=0.08)
    assert largest_class_share(np.array([1, 1, 1, 2])) == 0.75


def test_a_temperature_fitted_over_sources_weighs_each_source_equally_however_many_windows_it_has():
    """One studio has 15 times as many windows as the other; pooled, it would set the temperature
    alone. Weighed by source, the fitted temperature lies between the two sources' own."""
    rng = np.random.default_rng(1)
    (large, large_truth), (small, small_truth) = answers_overconfident_by(rng, 1.0, 15000), \
        answers_overconfident_by(rng, 4.0, 1000)
    probabilities, truth = np.concatenate([large, small]), np.concatenate([large_truth, small_truth])
    groups = np.repeat([0, 1], [len(large), len(small)])

    pooled, balanced = fit_temperature(probabilities, truth), fit_temperature(probabilities, truth, groups)

    assert fit_temperature(large, large_truth) < pooled < 1.4
    assert 1.6 < balanced < fit_temperature(small, small_truth)


def test_each_held_out_sources_temperature_is_fitted_on_people_its_model_never_saw_not_on_that_source():
    """With Aalto held out, the temperature comes from Bandai as scored by the model trained
    without Bandai and Xia as scored by the model trained without Xia: Aalto's labels never set it."""
    rng = np.random.default_rng(2)
    answers = {"bandai": answers_overconfident_by(rng, 3.0, 4000), "xia": answers_overconfident_by(rng, 3.0, 3000),
               "aalto": answers_overconfident_by(rng, 1.0, 4000)}

    def test_set(truth: np.ndarray) -> HeldOutSet:
        n = len(truth)
        return HeldOutSet((), (WindowSet(np.zeros((n, 1, 1, 1), np.float32), truth, np.zeros((n, 2)),
                                         np.zeros(n, int), (), ()), np.zeros(n, int)), None, ())

    trained = {source: HeldOutModel(source, model=None, train_windows=None, probabilities=probabilities, affect=None,
                                    seconds=0.0) for source, (probabilities, _) in answers.items()}
    tests = {source: test_set(truth) for source, (_, truth) in answers.items()}
    for_aalto = unseen_source_temperature(trained, tests, ["bandai", "xia"])["temperature"]
    tests["aalto"] = test_set(rng.permutation(answers["aalto"][1]))

    assert for_aalto == pytest.approx(3.0, rel=0.1)
    assert unseen_source_temperature(trained, tests, ["bandai", "xia"])["temperature"] == for_aalto
    tests["aalto"] = test_set(answers["aalto"][1])
    assert unseen_source_temperature(trained, tests, ["aalto"])["temperature"] == pytest.approx(1.0, rel=0.1)
