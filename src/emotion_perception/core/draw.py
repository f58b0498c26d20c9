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
    """Returns an annotated copy of `bgr`: skeletons first, then every person's caption panel,
    laid out so that panels of people standing close together never cover one another."""
    canvas = bgr.copy()
    scale = max(canvas.shape[:2]) / 720.0
    for person in frame.people:
        _draw_skeleton(canvas, person, scale)
    panels = [_Panel.of(person, scale, model_installed) for person in frame.people]
    height, width = canvas.shape[:2]
    corners = layout_panels([p.box for p in frame.people], [(pa.width, pa.height) for pa in panels],
                            (width, height), gap=int(4 * scale))
    for person, panel, corner in zip(frame.people, panels, corners):
        panel.draw(canvas, corner, person.box, scale)
    if not model_installed:
        _banner(canvas, NO_MODEL_BANNER, scale)
    return canvas


def layout_panels(boxes: list, sizes: list[tuple[int, int]], image_size: tuple[int, int],
                  gap: int) -> list[tuple[int, int]]:
    """Top-left corners for caption panels of `sizes`, one per person box [x0, y0, x1, y1].

    A panel sits just above its box. Where that would cover a panel already placed (people close
    together), it moves to the nearest free height: above or below the panels in its way, or
    below its box; only when the image has no free height does it keep its first place.
    """
    width, height = image_size
    placed: list[tuple[int, int, int, int]] = []  # x, y, w, h
    corners = []
    for box, (w, h) in zip(boxes, sizes):
        x0, y0, _, y1 = (int(round(float(v))) for v in box)
        x = int(np.clip(x0, 0, max(0, width - w)))
        preferred = y0 - gap - h
        tries = [preferred, y1 + gap]
        tries += [py - gap - h for _, py, _, _ in placed] + [py + ph + gap for _, py, _, ph in placed]
        inside = [y for y in tries if 0 <= y <= height - h]
        free = [y for y in sorted(inside, key=lambda y: abs(y - preferred))
                if not any(_overlap((x, y, w, h), other) for other in placed)]
        y = free[0] if free else int(np.clip(preferred, 0, max(0, height - h)))
        placed.append((x, y, w, h))
        corners.append((x, y))
    return corners


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _draw_skeleton(canvas: np.ndarray, person: PersonResult, scale: float) -> None:
    color = track_color(person.track_id)
    thickness = max(1, int(round(2 * scale)))
    points = person.landmarks[:, :2]
    visible = person.landmarks[:, 3] >= _VISIBLE
    for a, b in SKELETON_EDGES:
        if visible[a] and visible[b]:
            cv2.line(canvas, _pt(points[a]), _pt(points[b]), color, thickness, cv2.LINE_AA)
    for point in points[visible]:
        cv2.circle(canvas, _pt(point), max(2, thickness + 1), (255, 255, 255), -1, cv2.LINE_AA)
    cv2.rectangle(canvas, _pt(person.box[:2]), _pt(person.box[2:]), color, max(1, thickness // 2))


class _Panel:
    """One person's caption: id and top emotion on the track's colour, then valence and arousal
    bars (right of centre is positive) on a dark ground that keeps the text readable."""

    FONT = cv2.FONT_HERSHEY_SIMPLEX

    def __init__(self, caption: str, bars: list[tuple[str, float]], color, scale: float) -> None:
        self.caption, self.bars, self.color = caption, bars, color
        self.caption_scale, self.caption_thickness = 0.55 * scale, max(1, int(round(1.5 * scale)))
        (caption_w, caption_h), base = cv2.getTextSize(caption, self.FONT, self.caption_scale, self.caption_thickness)
        self.caption_height = caption_h + 2 * base
        self.bar_width, self.bar_height, self.pad = int(120 * scale), int(12 * scale), max(2, int(3 * scale))
        self.bar_text_scale = 0.4 * scale
        (text_w, _), _ = cv2.getTextSize("arousal +0.00", self.FONT, self.bar_text_scale, 1)
        bars_width = self.bar_width + 3 * self.pad + text_w if bars else 0
        self.width = max(caption_w + 2 * self.pad, bars_width)
        self.height = self.caption_height + len(bars) * (self.bar_height + self.pad) + (self.pad if bars else 0)

    @classmethod
    def of(cls, person: PersonResult, scale: float, model_installed: bool) -> "_Panel":
        caption = f"id {person.track_id}"
        bars: list[tuple[str, float]] = []
        if person.has_emotion:
            caption += f"  {person.label} {person.confidence:.0%}"
            bars = [("valence", person.valence), ("arousal", person.arousal)]
        elif model_installed:
            caption += f"  warming up {person.valid_frames} frames"
        return cls(caption, bars, track_color(person.track_id), scale)

    def draw(self, canvas: np.ndarray, corner: tuple[int, int], box: np.ndarray, scale: float) -> None:
        x, y = corner
        box_x, box_top, box_bottom = int(box[0]), int(box[1]), int(box[3])
        near = int(8 * scale)
        if y + self.height + near < box_top:  # moved up, away from its box: a leader points to it
            cv2.line(canvas, (x + self.pad, y + self.height), (box_x, box_top), self.color, 1, cv2.LINE_AA)
        elif y > box_bottom + near:
            cv2.line(canvas, (x + self.pad, y), (box_x, box_bottom), self.color, 1, cv2.LINE_AA)
        cv2.rectangle(canvas, (x, y), (x + self.width, y + self.height), (30, 30, 30), -1)
        cv2.rectangle(canvas, (x, y), (x + self.width, y + self.caption_height), self.color, -1)
        cv2.putText(canvas, self.caption, (x + self.pad, y + self.caption_height - self.caption_height // 4),
                    self.FONT, self.caption_scale, (0, 0, 0), self.caption_thickness, cv2.LINE_AA)
        row = y + self.caption_height + self.pad
        for name, value in self.bars:
            self._bar(canvas, name, value, (x + self.pad, row))
            row += self.bar_height + self.pad

    def _bar(self, canvas: np.ndarray, name: str, value: float, origin: tuple[int, int]) -> None:
        x, y = origin
        width, height = self.bar_width, self.bar_height
        cv2.rectangle(canvas, (x, y), (x + width, y + height), (70, 70, 70), -1)
        middle = x + width // 2
        end = int(middle + np.clip(value, -1, 1) * width / 2)
        cv2.rectangle(canvas, (min(middle, end), y), (max(middle, end), y + height),
                      (80, 200, 80) if value >= 0 else (80, 80, 220), -1)
        cv2.line(canvas, (middle, y), (middle, y + height), (255, 255, 255), 1)
        cv2.putText(canvas, f"{name} {value:+.2f}", (x + width + self.pad, y + height - 1),
                    self.FONT, self.bar_text_scale, (255, 255, 255), 1, cv2.LINE_AA)


def _banner(canvas: np.ndarray, text: str, scale: float) -> None:
    font_scale, thickness = 0.6 * scale, max(1, int(round(1.5 * scale)))
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
    cv2.rectangle(canvas, (0, 0), (w + 16, h + base + 16), (0, 0, 0), -1)
    cv2.putText(canvas, text, (8, h + 8), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 215, 255), thickness, cv2.LINE_AA)


def _pt(point: np.ndarray) -> tuple[int, int]:
    return int(round(float(point[0]))), int(round(float(point[1])))
