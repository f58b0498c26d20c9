"""Training on real data slices: windows, folds without leakage, a model that learns, export."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from emotion_perception.inference import EmotionEngine, load_model
from emotion_perception.mocap.corpus import BANDAI_CLASSES, list_clips
from emotion_perception.normalize import FEATURE_CHANNELS
from emotion_perception.training.evaluate import CHOSEN, RARE_CLASSES, WINDOW, LeakageError, fold_masks
from emotion_perception.training.export import metadata_for, quantize_int8
from emotion_perception.training.mocap_windows import WindowSet, build_windows, content_folds
from emotion_perception.training.model import EmotiPoseformer, EmotiPoseformerConfig
from emotion_perception.training.train import TrainConfig, predict, train_model
from emotion_perception.inference import save_model


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
    windows = build_windows(clips[:: 40], BANDAI_CLASSES, WINDOW, seed=0, views=[1] * len(clips[::40]), workers=1)
    held_out_total = 0
    for fold in folds:
        train, test = fold_masks(windows, fold)
        held_out_total += test.sum()
        train_clips = set(windows.clip_index[train])
        assert not train_clips & set(windows.clip_index[test])
    assert held_out_total == len(windows), "every window is tested exactly once"


def test_leakage_is_detected():
    from pathlib import Path

    from emotion_perception.mocap.corpus import Clip
    from emotion_perception.training.evaluate import assert_no_leakage

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
    model = EmotiPoseformer(EmotiPoseformerConfig(num_classes=3, window_length=WINDOW.length, joint_attention=False))
    ws = walk_windows
    before = (predict(model, ws.features[held])[0].argmax(1) == ws.labels[held]).mean()
    history = train_model(model, ws.features[~held], ws.labels[~held], ws.valence_arousal[~held],
                          TrainConfig(epochs=8, batch_size=64, seed=0), progress=False)
    after = (predict(model, ws.features[held])[0].argmax(1) == ws.labels[held]).mean()
    record_property("measurement", f"held-out takes, neutral/tired/energetic walks: accuracy {before:.2f} untrained -> {after:.2f} trained")
    assert history.train_loss[-1] < history.train_loss[0]
    assert after > 0.6 and after > before + 0.2


def test_the_exported_model_outputs_what_the_training_model_outputs(walk_windows, tmp_path):
    torch.manual_seed(0)
    model = EmotiPoseformer(CHOSEN).eval()
    path = tmp_path / "m.pt"
    save_model(model, metadata_for("test/0", {}), path)
    engine = EmotionEngine(path, device="cpu")
    x = walk_windows.features[:16]
    expected, expected_va = predict(model, x)
    got = engine.predict(x)
    np.testing.assert_allclose(np.stack([g.probabilities for g in got]), expected, atol=1e-5)
    np.testing.assert_allclose(np.array([[g.valence, g.arousal] for g in got]), expected_va, atol=1e-5)
    assert load_model(path).metadata.license.startswith("CC BY-NC 4.0")
    int8_path = tmp_path / "m8.pt"
    save_model(torch.jit.script(quantize_int8(model)), metadata_for("test/0-int8", {}), int8_path)
    int8 = np.stack([p.probabilities for p in EmotionEngine(int8_path, device="cpu").predict(x)])
    assert np.abs(int8 - expected).max() < 0.05
