"""Temperature scaling: one number that makes the model's confidence mean what it says.

A behaviour node thresholds the top probability (`min_confidence`), so 0.8 must be right about
80 % of the time on people the model has not seen. The temperature is fitted on held-out windows
(never the test set) by minimising their negative log-likelihood, then stored in the model's
`temperature` buffer, so the exported file's softmax is already calibrated.
"""
from __future__ import annotations

import numpy as np

TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 121))


def rescale(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities of softmax(logits) -> those of softmax(logits / temperature)."""
    logits = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """The temperature (on a log grid from 0.25 to 8) with the least held-out NLL."""
    rows = np.arange(len(truth))
    losses = [-np.mean(np.log(np.clip(rescale(probabilities, t)[rows, truth], 1e-12, 1.0))) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])
