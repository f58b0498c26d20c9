"""Every mocap source through one path, placed and disturbed the way real MediaPipe output is.

The targets come from MediaPipe run on real people (mocap/mediapipe_profile.json): these tests
re-measure that profile on the footage, hold each source's skeleton table to its body
proportions, and hold the training simulation to its visibility and jitter.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import tarfile

import numpy as np
import pytest

from emotion_perception.core.landmarks import INDEX, TORSO
from emotion_perception.training.mocap.body import random_body_scales, scale_body
from emotion_perception.training.mocap.corpus import CLASSES, SOURCES, clip_landmarks, list_clips
from emotion_perception.training.mocap.mediapipe_profile import (
    CATEGORIES,
    GROUP_OF,
    GROUPS,
    RATIOS,
    body_ratios,
    categories,
    load_profile,
    measure,
    observations,
    torso_length,
)
from emotion_perception.training.mocap.projection import observe, random_camera
from emotion_perception.training.mocap.sources import FileSet, load_source

# How close a mapping's proportions must come to MediaPipe's (torso lengths). Widths, legs and the
# head are placed by the tables; the arm bones are the rigs' own (body augmentation spans +-15 %).
TOLERANCE = {"shoulder_width": 0.05, "hip_width": 0.05, "thigh": 0.05, "shank": 0.05, "head_height": 0.05,
             "upper_arm": 0.12, "forearm": 0.12}


@pytest.fixture(scope="module")
def profile() -> dict:
    return load_profile()


@pytest.fixture(scope="module")
def clips():
    return list_clips()


def test_the_pinned_profile_is_what_mediapipe_gives_on_our_footage_today(profile):
    fresh = measure(observations())
    assert fresh["footage"] == profile["footage"] and fresh["people_frames"] == profile["people_frames"]
    for name in RATIOS:
        assert fresh["body_ratios"][name] == pytest.approx(profile["body_ratios"][name], abs=0.02), name
    assert fresh["jitter_torso_lengths"] == pytest.approx(profile["jitter_torso_lengths"], rel=0.1)
    for category in CATEGORIES:
        for group in GROUPS:
            a, b = fresh["visibility"][category][group], profile["visibility"][category][group]
            assert (a is None) == (b is None), (category, group)
            if a is not None:
                np.testing.assert_allclose(a, b, atol=0.05, err_msg=f"{category}/{group}")


@pytest.mark.parametrize("source", SOURCES)
def test_each_source_puts_landmarks_where_mediapipe_puts_them_on_real_people(source, clips, profile):
    of_source = [c for c in clips if c.source == source]
    sample = of_source[::max(1, len(of_source) // 15)]
    assert len(sample) >= 12
    ratios = [body_ratios(clip_landmarks(c)[0]) for c in sample]
    for name, tolerance in TOLERANCE.items():
        measured = float(np.median([r[name] for r in ratios]))
        assert abs(measured - profile["body_ratios"][name]) <= tolerance, (
            f"{source} {name}: {measured:.3f} against MediaPipe's {profile['body_ratios'][name]:.3f}")


def test_labels_come_from_each_sources_configuration(clips):
    xia = [c for c in clips if c.source == "xia"]
    assert {c.style: c.label for c in xia} == {"angry": "angry", "depressed": "sad", "neutral": "neutral",
                                               "proud": "proud"}
    assert len(xia) == 74 + 74 + 80 + 61  # data/README.md; character styles stay out
    assert {c.content for c in xia} >= {"walk_s1", "run", "punch_r"}
    bandai = [c for c in clips if c.source == "bandai"]
    assert {c.style for c in bandai if c.label == "neutral"} == {"normal"}
    assert {c.label for c in clips} == set(CLASSES)
    for name in SOURCES:
        assert set(load_source(name).labels.values()) <= set(CLASSES)


def test_aalto_gives_one_clip_per_unblended_take_and_marks_its_tempo_takes(clips):
    aalto = [c for c in clips if c.source == "aalto"]
    # data/README.md: walk and limp in angry, sad, regular, fast, slow; runs fast and slow only
    assert sorted((c.content, c.style) for c in aalto) == sorted(
        [(m, s) for m in ("walk", "limp") for s in ("angry", "sad", "regular", "fast", "slow")]
        + [("run", "fast"), ("run", "slow")])
    assert {c.style for c in aalto if c.tempo_control} == {"fast", "slow"}
    assert {c.label for c in aalto if c.tempo_control} == {"neutral"}
    # a file is `A_B_wa_wb`: every clip kept is one take at 100 %, no blend
    assert all("100" in re.findall(r"_(\d{3})(?=_|$)", c.name) for c in aalto)


def test_a_rig_without_toes_puts_the_foot_tip_at_the_ankles_end_site(clips):
    clip = next(c for c in clips if c.source == "aalto" and c.style == "regular" and c.content == "walk")
    landmarks, fps = clip_landmarks(clip)
    assert fps == pytest.approx(100 / 3, rel=1e-3)
    ankle, tip, heel = (landmarks[:, INDEX[f"left_{p}"]] for p in ("ankle", "foot_index", "heel"))
    foot = np.linalg.norm(tip - ankle, axis=-1)
    assert np.allclose(foot, np.hypot(4.8889, 16.6222), atol=0.05)  # the End Site's offset in the file
    assert np.median(np.linalg.norm(heel - ankle, axis=-1)) < np.median(foot)


def test_xia_clips_are_read_at_30_fps_in_cm(clips):
    clip = next(c for c in clips if c.name == "neutral_01_000")
    landmarks, fps = clip_landmarks(clip)
    assert fps == pytest.approx(30.0, rel=1e-3)
    thigh = np.linalg.norm(landmarks[:, INDEX["left_hip"]] - landmarks[:, INDEX["left_knee"]], axis=-1)
    assert 35 < np.median(thigh) < 48  # README: thigh about 40 cm
    hips = 0.5 * (landmarks[:, INDEX["left_hip"]] + landmarks[:, INDEX["right_hip"]])
    speed = np.linalg.norm(np.diff(hips[:, [0, 2]], axis=0), axis=1).sum() / (len(hips) / fps)
    assert 70 < speed < 140  # a neutral walk: about 1 m/s


def test_a_scaled_body_keeps_the_motions_angles_and_changes_its_bones(clips):
    landmarks, _ = clip_landmarks(next(c for c in clips if c.name == "dataset-1_walk_happy_001"))
    np.testing.assert_allclose(scale_body(landmarks, {}), landmarks, atol=1e-4)
    scaled = scale_body(landmarks, {"thigh": 1.15, "forearm": 0.85})
    hip, knee, ankle = INDEX["left_hip"], INDEX["left_knee"], INDEX["left_ankle"]

    def length(points, a, b):
        return np.linalg.norm(points[:, a] - points[:, b], axis=-1)

    np.testing.assert_allclose(length(scaled, hip, knee), 1.15 * length(landmarks, hip, knee), rtol=1e-4)
    np.testing.assert_allclose(length(scaled, knee, ankle), length(landmarks, knee, ankle), rtol=1e-4)
    np.testing.assert_allclose(length(scaled, INDEX["left_elbow"], INDEX["left_wrist"]),
                               0.85 * length(landmarks, INDEX["left_elbow"], INDEX["left_wrist"]), rtol=1e-4)

    def knee_angle(points):
        u, v = points[:, hip] - points[:, knee], points[:, ankle] - points[:, knee]
        return np.sum(u * v, -1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))

    np.testing.assert_allclose(knee_angle(scaled), knee_angle(landmarks), atol=1e-4)
    drawn = random_body_scales(np.random.default_rng(0), 0.15)
    assert all(0.85 <= f <= 1.15 for f in drawn.values()) and len(set(drawn.values())) > 1


def test_the_simulation_draws_visibility_and_jitter_as_mediapipe_reports_them(clips, profile):
    rng = np.random.default_rng(0)
    chosen = [c for c in clips if c.content.startswith("walk")][::60][:12]
    simulated = {key: [] for key in ((c, g) for c in range(len(CATEGORIES)) for g in range(len(GROUPS)))}
    residuals = []
    for clip in chosen:
        landmarks, fps = clip_landmarks(clip)
        for _ in range(3):
            hips = 0.5 * (landmarks[:, INDEX["left_hip"]] + landmarks[:, INDEX["right_hip"]])
            camera = random_camera(rng, hips.mean(axis=0))
            raw = observe(landmarks, camera, rng, profile)
            truth = camera.project(landmarks)[0]
            # the category the simulation used, from its own geometry
            _, depth = camera.project(landmarks)
            torso_depth = depth[:, list(TORSO)].mean(axis=1, keepdims=True)
            behind = (depth - torso_depth) / np.median(torso_length(landmarks))
            category = categories(raw[..., :2], behind, camera.width, camera.height)
            for (c, g), values in simulated.items():
                values.append(raw[..., 3][(category == c) & (GROUP_OF[None, :] == g)])
            noise = (raw[..., :2] - truth) / np.median(torso_length(truth))
            residuals.append(noise[1:-1] - 0.5 * (noise[:-2] + noise[2:]))
    quantiles = np.asarray(profile["quantiles"])
    checked = 0
    for (c, g), values in simulated.items():
        values = np.concatenate(values)
        table = profile["visibility"][CATEGORIES[c]][list(GROUPS)[g]]
        if table is None or len(values) < 300:
            continue
        # the simulated values' quantiles are MediaPipe's (the extremes aside: a handful of cases each)
        simulated_quantiles = np.quantile(values, quantiles[1:-1])
        np.testing.assert_allclose(simulated_quantiles, table[1:-1], atol=0.04,
                                   err_msg=f"{CATEGORIES[c]}/{list(GROUPS)[g]}")
        checked += 1
    assert checked >= 8
    residual = np.concatenate(residuals).reshape(-1)
    jitter = np.sqrt(np.mean(residual ** 2)) / np.sqrt(1.5)
    assert jitter == pytest.approx(profile["jitter_torso_lengths"], rel=0.25)


def test_an_archive_unpacks_its_labelled_styles_even_when_it_lacks_some(tmp_path, monkeypatch):
    """Bandai's dataset-2 has no `sad` clips although the source's label map names `sad`: a fresh
    cache must still unpack every labelled clip and skip the styles that are not emotions."""
    packed = tmp_path / "packed" / "data"
    packed.mkdir(parents=True)
    for stem in ("dataset-2_walk_normal_001", "dataset-2_walk_elderly_001"):
        for suffix in (".bvh", ".json"):
            (packed / f"{stem}{suffix}").write_text(stem)
    archive = tmp_path / "data.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(packed, arcname="data")
    monkeypatch.setenv("EMOTION_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EMOTION_CACHE_DIR", str(tmp_path / "cache"))
    bandai = load_source("bandai")
    files = FileSet("dataset-2", archive="data.tar.xz", sha256=hashlib.sha256(archive.read_bytes()).hexdigest(),
                    unpacked_folder="data")
    assert "sad" in bandai.labels and "elderly" not in bandai.labels

    folder = dataclasses.replace(bandai, files=(files,)).folder(files)

    assert sorted(p.name for p in folder.iterdir()) == ["dataset-2_walk_normal_001.bvh",
                                                        "dataset-2_walk_normal_001.json"]
