"""Temperature scaling: one number that makes the model's confidence mean what it says.

A behaviour node thresholds the top probability (`min_confidence`), so 0.8 must be right about
80 % of the time on people the model has not seen. The temperature is fitted on windows of people
the weights never saw (cross_source.unseen_source_temperature; never the test set) by minimising
their negative log-likelihood, then stored in the model's `temperature` buffer, so the exported
file's softmax is already calibrated.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 121))


def rescale(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities of softmax(logits) -> those of softmax(logits / temperature)."""
    logits = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(probabilities: np.ndarray, truth: np.ndarray, groups: Optional[np.ndarray] = None) -> float:
    """The temperature (on a log grid from 0.25 to 8) with the least held-out NLL. `groups` [N]:
    the NLL is averaged within each group, then over groups, so that each source counts equally
    however many windows it has."""
    groups = np.zeros(len(truth), dtype=np.int64) if groups is None else np.asarray(groups)
    rows = np.arange(len(truth))
    members = [groups == g for g in np.unique(groups)]

    def loss(temperature: float) -> float:
        nll = -np.log(np.clip(rescale(probabilities, temperature)[rows, truth], 1e-12, 1.0))
        return float(np.mean([nll[m].mean() for m in members]))

    return float(TEMPERATURES[int(np.argmin([loss(t) for t in TEMPERATURES]))])
