"""Draws a FrameResult onto a BGR image: skeletons, ids, top emotion, valence/arousal bars.

Used by the video door and the node's debug image, so what an operator sees on the robot is
what the CLI shows on a laptop. Without a trained model it says so on the frame instead of
drawing labels from nothing.
"""
from __future__ import annotations

import cv2
import numpy as np

from .landmarks import SKELETON_EDGES
from .pipeline import FrameResult, PersonResult

NO_MODEL_BANNER = "no emotion model loaded: poses and ids only"
_VISIBLE = 0.5


def track_color(track_id: int) -> tuple[int, int, int]:
    """A stable, distinct BGR colour per id (golden-angle hue steps)."""
    hue = int((track_id * 137.508) % 180)
    bgr = cv2.cvtColor(np.uint8([[[hue, 200, 255]]]), cv2.COLOR_HSV2BGR)[0, 0]
    return int(bgr[0]), int(bgr[1]), int(bgr[2])


def draw_frame(bgr: np.ndarray, frame: FrameResult, model_installed: bool) -> np.ndarray:
    """Returns an annotated copy of `bgr`."""
    canvas = bgr.copy()
    scale = max(canvas.shape[:2]) / 720.0
    for person in frame.people:
        _draw_person(canvas, person, scale, model_installed)
    if not model_installed:
        _banner(canvas, NO_MODEL_BANNER, scale)
    return canvas


def _draw_person(canvas: np.ndarray, person: PersonResult, scale: float, model_installed: bool) -> None:
    color = track_color(person.track_id)
    thickness = max(1, int(round(2 * scale)))
    points = person.landmarks[:, :2]
    visible = person.landmarks[:, 3] >= _VISIBLE
    for a, b in SKELETON_EDGES:
        if visible[a] and visible[b]:
            cv2.line(canvas, _pt(points[a]), _pt(points[b]), color, thickness, cv2.LINE_AA)
    for point in points[visible]:
        cv2.circle(canvas, _pt(point), max(2, thickness + 1), (255, 255, 255), -1, cv2.LINE_AA)
    x0, y0, x1, _ = person.box
    cv2.rectangle(canvas, _pt(person.box[:2]), _pt(person.box[2:]), color, max(1, thickness // 2))
    caption = f"id {person.track_id}"
    if person.has_emotion:
        caption += f"  {person.label} {person.confidence:.0%}"
    elif model_installed:
        caption += f"  warming up {person.valid_frames} frames"
    _label(canvas, caption, (int(x0), max(int(y0) - int(8 * scale), int(18 * scale))), color, scale)
    if person.has_emotion:
        _bar(canvas, "valence", person.valence, (int(x0), int(y0) + int(4 * scale)), scale)
        _bar(canvas, "arousal", person.arousal, (int(x0), int(y0) + int(22 * scale)), scale)


def _bar(canvas: np.ndarray, name: str, value: float, origin: tuple[int, int], scale: float) -> None:
    """A centred bar for a value in [-1, 1]: right of centre is positive."""
    width, height = int(120 * scale), int(12 * scale)
    x, y = origin
    cv2.rectangle(canvas, (x, y), (x + width, y + height), (60, 60, 60), -1)
    middle = x + width // 2
    end = int(middle + np.clip(value, -1, 1) * width / 2)
    cv2.rectangle(canvas, (min(middle, end), y), (max(middle, end), y + height),
                  (80, 200, 80) if value >= 0 else (80, 80, 220), -1)
    cv2.line(canvas, (middle, y), (middle, y + height), (255, 255, 255), 1)
    cv2.putText(canvas, f"{name} {value:+.2f}", (x + width + int(4 * scale), y + height - 1),
                cv2.FONT_HERSHEY_SIMPLEX, 0.4 * scale, (255, 255, 255), 1, cv2.LINE_AA)


def _label(canvas: np.ndarray, text: str, origin: tuple[int, int], color, scale: float) -> None:
    font_scale, thickness = 0.55 * scale, max(1, int(round(1.5 * scale)))
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
    x, y = origin
    cv2.rectangle(canvas, (x, y - h - base), (x + w + 4, y + base), color, -1)
    cv2.putText(canvas, text, (x + 2, y), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 0, 0), thickness, cv2.LINE_AA)


def _banner(canvas: np.ndarray, text: str, scale: float) -> None:
    font_scale, thickness = 0.6 * scale, max(1, int(round(1.5 * scale)))
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
    cv2.rectangle(canvas, (0, 0), (w + 16, h + base + 16), (0, 0, 0), -1)
    cv2.putText(canvas, text, (8, h + 8), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 215, 255), thickness, cv2.LINE_AA)


def _pt(point: np.ndarray) -> tuple[int, int]:
    return int(round(float(point[0]))), int(round(float(point[1])))
