"""Stable person ids across frames.

MediaPipe's multi-person output has no identities and no fixed order, yet an emotion is read
from a *window* of one person's motion, so ids must hold across frames. Each track predicts
its box forward with a constant-velocity model; detections are assigned to tracks by the
Hungarian method on 1 - IoU (predicted box vs detected box), gated so that a detection never
steals an id from across the image. Unmatched tracks survive occlusions for `max_age_s` of
*stamp* time (not frames, so a slow camera does not expire people early), then expire.

A new track is *tentative* until it has been matched `min_hits` frames in a row with its torso
upright in the image; only then does it get a public id. A detector flicker (a bin bag seen as a
person for a frame) therefore never consumes an id, and downstream windows only ever start for
people who persist. The torso test keeps out litter that MediaPipe fits a body onto (a cloth on
the grass, lying flat: its world landmarks, presence and bone proportions look human, its torso
does not stand; the README's "Measured" section has the figures); the model never learned bodies
lying down either. A confirmed person who then bends or falls keeps their track.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from .landmarks import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER
from .pose import PersonPose


@dataclass(frozen=True)
class TrackerConfig:
    max_age_s: float = 1.0
    min_iou: float = 0.1
    # Gate when boxes do not overlap: centre distance in units of the track's box diagonal.
    max_center_distance: float = 0.75
    min_hits: int = 3
    # a detection counts toward confirming a new track only with its torso (hips to shoulders)
    # within this angle of the image's vertical
    max_confirm_tilt_deg: float = 45.0


@dataclass
class Track:
    track_id: int  # public id once confirmed; a negative placeholder while tentative
    box: np.ndarray  # [x0, y0, x1, y1] pixels, last observed
    last_stamp: float
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))  # box pixels per second
    hits: int = 1

    def predicted_box(self, stamp: float) -> np.ndarray:
        return self.box + self.velocity * max(0.0, stamp - self.last_stamp)


def torso_tilt_deg(landmarks: np.ndarray) -> float:
    """Angle of the hips-to-shoulders axis from the image's upward vertical, degrees (0: upright)."""
    axis = 0.5 * (landmarks[LEFT_SHOULDER, :2] + landmarks[RIGHT_SHOULDER, :2]) \
        - 0.5 * (landmarks[LEFT_HIP, :2] + landmarks[RIGHT_HIP, :2])
    return float(np.degrees(np.arctan2(abs(axis[0]), -axis[1])))


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of boxes a [N, 4] and b [M, 4] -> [N, M]."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


class Tracker:
    def __init__(self, config: TrackerConfig = TrackerConfig()) -> None:
        self.config = config
        self.tracks: dict[int, Track] = {}
        self._next_id = 1
        self._next_tentative = -1
        self.expired: list[int] = []  # ids ended by the last update (or a reset before it), for cleanup
        self._ended_by_reset: list[int] = []

    def update(self, people: list[PersonPose], stamp: float) -> list[tuple[int, PersonPose]]:
        """Ids of the people in this frame who belong to confirmed tracks, in the order given."""
        boxes = np.array([person.box for person in people]).reshape(-1, 4)
        track_list = list(self.tracks.values())
        assignment: dict[int, Track] = {}
        if track_list and len(people):
            predicted = np.array([track.predicted_box(stamp) for track in track_list])
            cost = self._cost(predicted, boxes)
            rows, cols = linear_sum_assignment(cost)
            for row, col in zip(rows, cols):
                if cost[row, col] < _GATED:
                    assignment[col] = track_list[row]
        matched = {id(track) for track in assignment.values()}
        # A tentative track must be seen in consecutive frames; one miss and it is gone.
        for track in track_list:
            if track.track_id < 0 and id(track) not in matched:
                del self.tracks[track.track_id]
        result = []
        for index, person in enumerate(people):
            track = assignment.get(index)
            # only a track still to be confirmed asks whether its person stands
            counts = (track is not None and track.track_id > 0) or \
                torso_tilt_deg(person.landmarks) <= self.config.max_confirm_tilt_deg
            if track is None:
                track = Track(self._next_tentative, boxes[index], stamp, hits=int(counts))
                self._next_tentative -= 1
                self.tracks[track.track_id] = track
            else:
                self._observe(track, boxes[index], stamp, counts=counts)
            if track.track_id < 0 and track.hits >= self.config.min_hits:
                del self.tracks[track.track_id]
                track.track_id = self._next_id
                self._next_id += 1
                self.tracks[track.track_id] = track
            if track.track_id > 0:
                result.append((track.track_id, person))
        self.expired = [tid for tid, t in self.tracks.items() if stamp - t.last_stamp > self.config.max_age_s]
        for track_id in self.expired:
            del self.tracks[track_id]
        self.expired = self._ended_by_reset + [tid for tid in self.expired if tid > 0]
        self._ended_by_reset = []
        return result

    def _cost(self, predicted: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        # a few people per frame: the cost is numpy's per-call overhead, so few calls (make bench)
        iou = box_iou(predicted, boxes)
        gap = 0.5 * ((predicted[:, None, :2] + predicted[:, None, 2:]) - (boxes[None, :, :2] + boxes[None, :, 2:]))
        size = predicted[:, 2:] - predicted[:, :2]
        diagonal = np.maximum(np.hypot(size[:, 0], size[:, 1]), 1.0)
        distance = np.hypot(gap[..., 0], gap[..., 1]) / diagonal[:, None]
        overlapping = iou >= self.config.min_iou
        # Overlapping boxes rank by IoU (cost < 1); disjoint but near ones come after them (1..2).
        cost = np.where(overlapping, 1.0 - iou, 1.0 + distance / self.config.max_center_distance)
        return np.where(overlapping | (distance <= self.config.max_center_distance), cost, _GATED)

    @staticmethod
    def _observe(track: Track, box: np.ndarray, stamp: float, counts: bool) -> None:
        dt = stamp - track.last_stamp
        if dt > 0:
            measured = (box - track.box) / dt
            track.velocity = measured if track.hits <= 1 else 0.5 * track.velocity + 0.5 * measured
        track.box = box
        track.last_stamp = stamp
        track.hits += counts

    def reset(self) -> None:
        """Forget every track (ids keep counting up, so an old id is never reused)."""
        self._ended_by_reset = [track_id for track_id in self.tracks if track_id > 0]
        self.expired = list(self._ended_by_reset)
        self.tracks.clear()


_GATED = 1e6
