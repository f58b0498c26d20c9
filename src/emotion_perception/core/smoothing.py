"""Per-track exponential smoothing of class probabilities and valence/arousal.

Windows overlap almost entirely from one frame to the next, yet the model's output still
flickers between neighbouring classes; a robot that changes its empathic response every 60 ms
looks broken. An EMA keeps probabilities a distribution (a convex combination of distributions).
`alpha` is the weight of the newest prediction: 1.0 turns smoothing off.
"""
from __future__ import annotations

from typing import Dict, Iterable

import numpy as np

from .inference import Prediction

DEFAULT_ALPHA = 0.4  # EMA weight of the newest prediction


class EmaSmoother:
    def __init__(self, alpha: float = DEFAULT_ALPHA) -> None:
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"smoothing alpha must be in (0, 1], got {alpha}")
        self.alpha = alpha
        self._state: Dict[int, Prediction] = {}
        self._judged_at: Dict[int, float] = {}  # stamp of each track's newest prediction

    def update(self, track_id: int, prediction: Prediction, stamp: float = 0.0) -> Prediction:
        previous = self._state.get(track_id)
        if previous is None or previous.probabilities.shape != prediction.probabilities.shape:
            smoothed = prediction
        else:
            a = self.alpha
            smoothed = Prediction(
                a * prediction.probabilities + (1.0 - a) * previous.probabilities,
                a * prediction.valence + (1.0 - a) * previous.valence,
                a * prediction.arousal + (1.0 - a) * previous.arousal,
            )
        self._state[track_id] = smoothed
        self._judged_at[track_id] = stamp
        return smoothed

    def judged_at(self, track_id: int) -> float:
        """The stamp of the track's newest prediction."""
        return self._judged_at[track_id]

    def latest(self, track_id: int) -> Prediction | None:
        return self._state.get(track_id)

    def drop(self, track_ids: Iterable[int]) -> None:
        for track_id in track_ids:
            self._state.pop(track_id, None)
            self._judged_at.pop(track_id, None)

    def reset(self) -> None:
        self._state.clear()
        self._judged_at.clear()


# Published instead of a class when the model is not sure enough: a behaviour node can then tell
# "no idea" from a real answer without knowing our calibration, and still read every probability.
UNKNOWN_LABEL = "unknown"
# The packaged model's probabilities are temperature-scaled for people it never saw (fitted on
# each studio as scored by the recipe trained without it; the model card has how well that holds).
DEFAULT_MIN_CONFIDENCE = 0.5


def top_label(probabilities: np.ndarray, labels: tuple[str, ...], min_confidence: float = 0.0) -> tuple[str, float]:
    """(label, its probability); the label is UNKNOWN_LABEL when that probability is below
    `min_confidence`."""
    index = int(np.argmax(probabilities))
    confidence = float(probabilities[index])
    return (labels[index] if confidence >= min_confidence else UNKNOWN_LABEL), confidence
