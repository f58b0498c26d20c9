"""MediaPipe PoseLandmarker in VIDEO (streaming) mode: RGB frames in, 33 landmarks per person out.

VIDEO mode runs the person detector only when tracking is lost, which is what makes it fast
(`make bench` measures it against IMAGE mode and bare MediaPipe). Its price is
that MediaPipe rejects any timestamp not strictly greater than the previous one, forever. So
`PoseEstimator` nudges a stamp that does not move forward by a millisecond; a clock that jumps
back (a looped rosbag, a restarted camera driver, sim time) is detected once, by the pipeline,
which resets this estimator (new landmarkers) with every other stage.

MediaPipe's person detector misses people smaller than about a quarter of the frame (a wide
robot camera across a hall, a surveillance view). With `tile_size` set, the frame is covered by
overlapping square tiles as well as seen whole; each region keeps its own streaming landmarker,
and a person seen by several regions is kept once (the most complete view).
"""
from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from .errors import BadImageError
from .frame_size import check_frame_size
from .landmarks import NUM_LANDMARKS
from .pose_models import resolve_pose_model

LOG = logging.getLogger(__name__)
DEFAULT_MAX_TILES = 15
# a person's box holds the landmarks MediaPipe rates at least this visible
BOX_MIN_VISIBILITY = 0.3


@dataclass(frozen=True)
class PoseConfig:
    model: str = "full"  # lite | full | heavy | path to a .task bundle
    max_people: int = 4
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    tile_size: int = 0  # pixels; 0 = whole frame only
    tile_overlap: float = 0.35  # fraction of a tile shared with its neighbour
    # Each tile keeps its own streaming landmarker (memory and threads each: the README's tile
    # table), so a small tile on a large frame (256 px on 1080p: 72 tiles) would exhaust a robot's
    # computer. Beyond this many, tiles grow until they fit; the default is what 256 px tiles on
    # 768x576 need.
    max_tiles: int = DEFAULT_MAX_TILES
    # Landmarkers are kept per frame size (each size has its own regions); a camera that changes
    # resolution, or a hostile publisher cycling sizes, would otherwise add a set per size for ever.
    # The sets of the least recently seen sizes beyond this many are closed.
    max_frame_sizes: int = 2
    # A tile whose view of someone was kept (the best of the overlapping tiles that saw them) is run
    # on every frame; any other tile is searched on every Nth frame only, in turn (1: every tile
    # every frame). What each N costs and finds is in the README's tile table.
    tile_search_every: int = 2


@dataclass(frozen=True)
class PersonPose:
    """One detected person. `landmarks` is [33, 4]: x, y in pixels, z (MediaPipe's relative depth,
    scaled like x, in pixels), visibility in [0, 1]."""

    landmarks: np.ndarray
    # MediaPipe's per-landmark presence [33] and metric world landmarks [33, 3] (m, hip-centred):
    # not model inputs, kept so the training simulation can be measured against real output.
    presence: Optional[np.ndarray] = None
    world: Optional[np.ndarray] = None

    @functools.cached_property
    def box(self) -> np.ndarray:
        """Axis-aligned box [x0, y0, x1, y1] around the landmarks the model believes are visible
        (falls back to all landmarks when none are). Computed once: deduplication, tracking and
        the result each ask for it on every frame."""
        points = self.landmarks[self.landmarks[:, 3] >= BOX_MIN_VISIBILITY, :2]
        if len(points) == 0:
            points = self.landmarks[:, :2]
        return np.concatenate([points.min(axis=0), points.max(axis=0)])


def tile_regions(width: int, height: int, tile_size: int, overlap: float,
                 max_tiles: int = DEFAULT_MAX_TILES) -> list[tuple[int, int, int, int]]:
    """The whole frame, then square tiles [x0, y0, x1, y1] covering it with the given overlap: at
    most `max_tiles` of them, the tiles made larger (by an eighth at a time) until they fit."""
    while len(regions := _tiles(width, height, tile_size, overlap)) - 1 > max_tiles:
        tile_size += max(16, tile_size // 8)
    return regions


def _tiles(width: int, height: int, tile_size: int, overlap: float) -> list[tuple[int, int, int, int]]:
    regions = [(0, 0, width, height)]
    if tile_size <= 0 or (tile_size >= width and tile_size >= height):
        return regions
    step = max(1, int(tile_size * (1.0 - overlap)))

    def starts(extent: int) -> list[int]:
        if tile_size >= extent:
            return [0]
        count = int(np.ceil((extent - tile_size) / step)) + 1
        return sorted(set(np.linspace(0, extent - tile_size, count).round().astype(int).tolist()))

    for y in starts(height):
        for x in starts(width):
            regions.append((x, y, min(x + tile_size, width), min(y + tile_size, height)))
    return regions


def _completeness(person: PersonPose, region: tuple[int, int, int, int], frame_region: bool) -> float:
    """How fully a region saw a person: mean visibility, halved when the body touches a tile cut."""
    score = float(np.mean(person.landmarks[:, 3]))
    if not frame_region:
        x0, y0, x1, y1 = person.box
        margin = 2.0
        if x0 <= region[0] + margin or y0 <= region[1] + margin or x1 >= region[2] - margin or y1 >= region[3] - margin:
            score *= 0.5
    return score


def merge_duplicates(candidates: list[tuple[float, PersonPose]], max_people: int) -> list[PersonPose]:
    """Keeps the best-scored view of each person: boxes that overlap mostly (intersection over the
    smaller box above one half) are the same person seen by two regions."""
    kept: list[tuple[float, PersonPose, np.ndarray]] = []
    for score, person in sorted(candidates, key=lambda item: -item[0]):
        box = person.box
        if all(_overlap_of_smaller(box, other) <= 0.5 for _, _, other in kept):
            kept.append((score, person, box))
        if len(kept) == max_people:
            break
    return [person for _, person, _ in kept]


def _overlap_of_smaller(a: np.ndarray, b: np.ndarray) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(width * height / max(smaller, 1e-9))


class PoseEstimator:
    """Stateful per-stream pose estimator; one instance per camera stream."""

    def __init__(self, config: PoseConfig = PoseConfig()) -> None:
        self.config = config
        self.model_path: Path = resolve_pose_model(config.model)
        self._landmarkers: dict[tuple[int, int, int, int], object] = {}
        # per frame size, least recently seen first
        self._regions: OrderedDict[tuple[int, int], list[tuple[int, int, int, int]]] = OrderedDict()
        self._last_timestamp_ms: Optional[int] = None
        self.evictions = 0  # frame sizes whose landmarkers were closed to stay within max_frame_sizes
        self._occupied: set[tuple[int, int, int, int]] = set()  # tiles whose last view of someone was kept
        self._frames = 0  # tiled frames seen: whose turn it is to search the empty tiles

    def _create(self, max_people: int):
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=RunningMode.VIDEO,
            num_poses=max_people,
            min_pose_detection_confidence=self.config.min_detection_confidence,
            min_pose_presence_confidence=self.config.min_presence_confidence,
            min_tracking_confidence=self.config.min_tracking_confidence,
            output_segmentation_masks=False,
        )
        return PoseLandmarker.create_from_options(options)

    def _timestamp_ms(self, stamp_s: float) -> int:
        """MediaPipe's strictly increasing milliseconds for a source stamp: a stamp that does not
        move forward (repeated, or within a millisecond) is nudged one millisecond on. A clock that
        goes back is the pipeline's to detect (Pipeline._handle_clock), which resets this estimator
        with every other stage; here it is only nudged, so MediaPipe never fails."""
        source_ms = int(round(stamp_s * 1000.0))
        last = self._last_timestamp_ms
        timestamp_ms = source_ms if last is None else max(source_ms, last + 1)
        self._last_timestamp_ms = timestamp_ms
        return timestamp_ms

    def process(self, rgb: np.ndarray, stamp_s: float) -> list[PersonPose]:
        """Landmarks of everyone found in `rgb` (H x W x 3, uint8, RGB order) at time `stamp_s`."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise BadImageError(f"pose needs an HxWx3 uint8 RGB image, got shape {rgb.shape} {rgb.dtype}")
        check_frame_size(rgb.shape[1], rgb.shape[0])  # MediaPipe aborts the process on some sizes
        if not np.isfinite(stamp_s):
            raise BadImageError(f"frame stamp is not finite: {stamp_s}")
        timestamp_ms = self._timestamp_ms(stamp_s)
        height, width = rgb.shape[:2]
        regions = self._regions_for(width, height)
        if len(regions) == 1:
            return self._detect(rgb, regions[0], timestamp_ms, self.config.max_people)
        candidates, seen_by = [], {}
        for index, region in enumerate(regions):
            if index and region not in self._occupied and (self._frames + index) % self.config.tile_search_every:
                continue  # an empty tile, not its turn
            self._occupied.discard(region)
            for person in self._detect(rgb, region, timestamp_ms, self.config.max_people):
                candidates.append((_completeness(person, region, index == 0), person))
                seen_by[id(person)] = region
        self._frames += 1
        people = merge_duplicates(candidates, self.config.max_people)
        # only the tiles whose view of someone was kept follow them on the next frame; a tile that
        # saw only people another region saw better counts as empty (searched in turn)
        self._occupied.update(seen_by[id(person)] for person in people)
        return people

    def _regions_for(self, width: int, height: int) -> list[tuple[int, int, int, int]]:
        if (width, height) in self._regions:
            self._regions.move_to_end((width, height))
        else:
            config = self.config
            regions = tile_regions(width, height, config.tile_size, config.tile_overlap, config.max_tiles)
            wanted = len(_tiles(width, height, config.tile_size, config.tile_overlap)) - 1
            if len(regions) - 1 < wanted:
                LOG.warning("pose: %dx%d frames need %d tiles of %d px, over max_tiles=%d; using %d larger tiles",
                            width, height, wanted, config.tile_size, config.max_tiles, len(regions) - 1)
            self._regions[(width, height)] = regions
            while len(self._regions) > self.config.max_frame_sizes:
                self._evict(self._regions.popitem(last=False)[1])
        return self._regions[(width, height)]

    def _evict(self, regions: list[tuple[int, int, int, int]]) -> None:
        """Closes the landmarkers of a frame size no longer kept (those no kept size shares)."""
        kept = {region for others in self._regions.values() for region in others}
        self._occupied -= set(regions) - kept
        for region in regions:
            if region not in kept and region in self._landmarkers:
                self._landmarkers.pop(region).close()
        self.evictions += 1

    def _detect(self, rgb: np.ndarray, region: tuple[int, int, int, int], timestamp_ms: int,
                max_people: int) -> list[PersonPose]:
        import mediapipe as mp

        landmarker = self._landmarkers.get(region)
        if landmarker is None:
            landmarker = self._landmarkers[region] = self._create(max_people)
        x0, y0, x1, y1 = region
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        result = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=crop), timestamp_ms)
        width, height = x1 - x0, y1 - y0
        people = []
        worlds = result.pose_world_landmarks or [None] * len(result.pose_landmarks)
        for person, world in zip(result.pose_landmarks, worlds):
            array = np.array(
                [(x0 + lm.x * width, y0 + lm.y * height, lm.z * width, lm.visibility or 0.0) for lm in person],
                dtype=np.float32,
            )
            if array.shape == (NUM_LANDMARKS, 4):
                presence = np.array([lm.presence or 0.0 for lm in person], dtype=np.float32)
                metric = None if world is None else np.array([(w.x, w.y, w.z) for w in world], dtype=np.float32)
                people.append(PersonPose(array, presence, metric))
        return people

    @property
    def timestamp_ms(self) -> Optional[int]:
        """The last timestamp handed to MediaPipe (None after a reset)."""
        return self._last_timestamp_ms

    def reset(self) -> None:
        """Forget all temporal state (the next frame starts detection afresh)."""
        self.close()
        self._last_timestamp_ms = None
        self._occupied.clear()

    def close(self) -> None:
        for landmarker in self._landmarkers.values():
            landmarker.close()
        self._landmarkers.clear()

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
