"""Caption panels of the debug image: next to their person, never over one another."""
from __future__ import annotations

import itertools

import numpy as np

from emotion_perception.core.draw import layout_panels

IMAGE = (768, 576)
PANEL = (230, 64)


def _overlap(a, b) -> bool:
    (ax, ay), (bx, by) = a, b
    (w, h) = PANEL
    return ax < bx + w and bx < ax + w and ay < by + h and by < ay + h


def test_a_lone_person_has_the_panel_just_above_the_box():
    [(x, y)] = layout_panels([np.array([300.0, 200.0, 340.0, 300.0])], [PANEL], IMAGE, gap=4)
    assert (x, y) == (300, 200 - 4 - PANEL[1])


def test_people_standing_close_together_get_panels_that_do_not_cover_each_other():
    # the vtest.avi scene that overlapped before: four small people within 200 px of each other
    boxes = [np.array(b, dtype=float) for b in ([310, 170, 345, 240], [450, 190, 485, 280],
                                                 [470, 180, 500, 260], [580, 200, 630, 320])]
    corners = layout_panels(boxes, [PANEL] * 4, IMAGE, gap=4)
    for a, b in itertools.combinations(corners, 2):
        assert not _overlap(a, b), corners
    for x, y in corners:
        assert 0 <= x <= IMAGE[0] - PANEL[0] and 0 <= y <= IMAGE[1] - PANEL[1]


def test_a_person_at_the_top_edge_gets_the_panel_below_the_box_inside_the_image():
    [(x, y)] = layout_panels([np.array([700.0, 0.0, 760.0, 120.0])], [PANEL], IMAGE, gap=4)
    assert x == IMAGE[0] - PANEL[0] and y == 120 + 4
