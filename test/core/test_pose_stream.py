"""PoseEstimator as a stream: timestamps, bad frames, tiles, model files."""
from __future__ import annotations

import numpy as np
import pytest

from emotion_perception.core.errors import BadImageError
from emotion_perception.core.pose import PersonPose, PoseConfig, PoseEstimator, merge_duplicates, tile_regions
from emotion_perception.core.pose_models import PoseModelError, resolve_pose_model, verify_bundle


def test_a_clock_going_back_alone_never_makes_mediapipe_fail(squats_frames):
    """Detecting the jump is the pipeline's (it resets this estimator); alone, stamps are nudged."""
    with PoseEstimator(PoseConfig(max_people=1)) as estimator:
        for index, rgb in enumerate(squats_frames[:5]):
            assert estimator.process(rgb, 100.0 + index * 0.2)
        for index, rgb in enumerate(squats_frames[:5]):
            assert estimator.process(rgb, index * 0.2), f"no pose after the clock went back (frame {index})"
        assert estimator.timestamp_ms == 100_800 + 5


def test_repeated_stamps_are_accepted(squats_frames):
    with PoseEstimator(PoseConfig(max_people=1)) as estimator:
        for rgb in squats_frames[:3]:
            assert estimator.process(rgb, 1.0)
        assert estimator.timestamp_ms == 1002


@pytest.mark.parametrize("image", [
    np.zeros((0, 0, 3), np.uint8), np.zeros((10, 10), np.uint8), np.zeros((10, 10, 4), np.uint8),
    np.zeros((10, 10, 3), np.float32),
])
def test_malformed_images_are_rejected_with_a_reason(image):
    with PoseEstimator(PoseConfig(max_people=1)) as estimator:
        with pytest.raises(BadImageError, match="HxWx3 uint8|has no pixels"):
            estimator.process(image, 0.0)


def test_tiles_cover_the_frame_with_overlap():
    regions = tile_regions(768, 576, 256, 0.35)
    assert regions[0] == (0, 0, 768, 576)
    covered = np.zeros((576, 768), bool)
    for x0, y0, x1, y1 in regions[1:]:
        assert x1 - x0 == 256 and y1 - y0 == 256
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    assert tile_regions(640, 480, 0, 0.35) == [(0, 0, 640, 480)]


def test_small_tiles_on_a_large_frame_grow_until_at_most_max_tiles_cover_it():
    """256 px tiles on 1080p would be 72 landmarkers (7.9 GB measured); the cap keeps coverage."""
    for width, height in ((1920, 1080), (3840, 2160), (8192, 1)):
        regions = tile_regions(width, height, 256, 0.35, max_tiles=15)
        assert 1 < len(regions) <= 16
        sides = {x1 - x0 for x0, _, x1, _ in regions[1:]}
        assert len(sides) == 1 and sides.pop() > 256
        covered = np.zeros((height, width), bool)
        for x0, y0, x1, y1 in regions[1:]:
            covered[y0:y1, x0:x1] = True
        assert covered.all()
    assert len(tile_regions(768, 576, 256, 0.35, max_tiles=15)) == 16, "the demo's tiles are kept as asked"
    assert len(tile_regions(768, 576, 256, 0.35, max_tiles=4)) == 5


def _person_at(x0, y0, x1, y1, visibility=0.9) -> PersonPose:
    landmarks = np.zeros((33, 4), np.float32)
    landmarks[:, 0] = np.linspace(x0, x1, 33)
    landmarks[:, 1] = np.linspace(y0, y1, 33)
    landmarks[:, 3] = visibility
    return PersonPose(landmarks)


def test_a_person_seen_by_two_tiles_is_kept_once_with_the_better_view():
    whole = _person_at(100, 100, 140, 200, 0.9)
    cut = _person_at(100, 100, 140, 160, 0.6)  # the same person cut at a tile edge
    other = _person_at(300, 100, 340, 200, 0.8)
    kept = merge_duplicates([(0.45, cut), (0.9, whole), (0.8, other)], max_people=8)
    assert kept == [whole, other]


def test_pose_bundles_are_verified_against_pinned_checksums(tmp_path):
    path = resolve_pose_model("lite")
    verify_bundle(path)
    tampered = tmp_path / path.name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(PoseModelError, match="does not match the pinned"):
        verify_bundle(tampered)
    with pytest.raises(PoseModelError, match="unknown pose model|not found"):
        resolve_pose_model("huge")


def test_empty_tiles_are_searched_in_turn_and_tiles_with_someone_on_every_frame(monkeypatch):
    """MediaPipe is the boundary here: a stand-in reports one person in one tile from the moment
    that tile is first searched, and records which regions each frame runs."""
    estimator = PoseEstimator(PoseConfig(tile_size=256, tile_search_every=3))
    regions = tile_regions(768, 576, 256, estimator.config.tile_overlap)
    whole, tiles = regions[0], regions[1:]
    occupied = tiles[4]
    person = np.zeros((33, 4), np.float32)
    person[:, 0] = np.linspace(occupied[0] + 10, occupied[0] + 60, 33)
    person[:, 1] = np.linspace(occupied[1] + 10, occupied[1] + 150, 33)
    person[:, 3] = 1.0
    ran: list[list] = []

    def detect(rgb, region, timestamp_ms, max_people):
        ran[-1].append(region)
        return [PersonPose(person)] if region == occupied else []

    monkeypatch.setattr(estimator, "_detect", detect)
    found = []
    for index in range(9):
        ran.append([])
        found.append(len(estimator.process(np.zeros((576, 768, 3), np.uint8), index / 10)))
    assert all(frame[0] == whole for frame in ran), "the whole frame on every frame"
    first = next(i for i, frame in enumerate(ran) if occupied in frame)
    assert all(occupied in frame for frame in ran[first:]) and all(found[first:]), "followed once found"
    for tile in tiles:
        if tile != occupied:
            assert sum(tile in frame for frame in ran) == 3, "each empty tile on every third frame"
    assert max(len(frame) for frame in ran) <= 2 + len(tiles) // 3 + 1
