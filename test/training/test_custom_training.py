"""Retraining on your own data, end to end: labelled videos -> clips -> seed-9 model -> engine."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from emotion_perception.core.inference import EmotionEngine
from emotion_perception.training.clips import LandmarkClip, clip_windows, load_taxonomy
from emotion_perception.training.recipe import WINDOW

REPO = Path(__file__).resolve().parents[2]
SEED9 = REPO / "config" / "taxonomies" / "seed9.yaml"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["emotion-perception", *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory, squats_video, pose1_video) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    for video, label, subject, extra in ((squats_video, "concentration", "a", []),
                                         (pose1_video, "amusement", "b", ["--valence", "0.6", "--arousal", "0.5"])):
        result = run_cli("extract", str(video), "--label", label, "--subject", subject,
                         "--out", str(folder / f"{label}.npz"), *extra)
        assert result.returncode == 0, result.stderr
    return folder


def test_extracted_clips_follow_the_documented_format(clip_dir):
    squats = LandmarkClip.load(clip_dir / "concentration.npz")
    assert squats.landmarks.shape[1:] == (33, 4) and len(squats.stamps) == len(squats.landmarks) >= 55
    assert squats.fps == 5.0 and squats.label == "concentration" and squats.subject == "a"
    assert np.all(np.diff(squats.stamps) > 0) and squats.valence is None
    amusement = LandmarkClip.load(clip_dir / "amusement.npz")
    assert (amusement.valence, amusement.arousal) == (0.6, 0.5)
    assert len(clip_windows(amusement, WINDOW)) > 0


def test_training_with_the_seed_taxonomy_gives_a_loadable_nine_class_model(clip_dir, tmp_path):
    out = tmp_path / "seed9.pt"
    result = run_cli("train", "--clips", str(clip_dir), "--taxonomy", str(SEED9), "--out", str(out),
                     "--epochs", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    engine = EmotionEngine(out, device="cpu")
    assert engine.labels == load_taxonomy(SEED9)[1] and len(engine.labels) == 9
    assert engine.metadata.extra["affect_trained"] is True
    windows = clip_windows(LandmarkClip.load(clip_dir / "concentration.npz"), WINDOW)
    predictions = engine.predict(windows[:4])
    assert all(abs(p.probabilities.sum() - 1) < 1e-5 for p in predictions)


def test_a_label_outside_the_taxonomy_is_refused(clip_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    clip = LandmarkClip.load(clip_dir / "concentration.npz")
    LandmarkClip(clip.landmarks, clip.stamps, clip.fps, "boredom").save(bad / "x.npz")
    result = run_cli(
        "train", "--clips", str(bad), "--taxonomy", str(SEED9), "--out", str(tmp_path / "m.pt"), "--epochs", "1"
    )
    assert result.returncode != 0 and "not in the taxonomy" in result.stderr
