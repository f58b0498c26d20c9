"""Evaluation metrics, written out so their definitions are on the page."""
from __future__ import annotations

import numpy as np


def confusion(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix  # rows: truth, columns: prediction


def per_class_recall(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Recall per class; NaN for a class absent from `truth`."""
    matrix = confusion(truth, predicted, classes)
    support = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(matrix) / support, np.nan)


def macro_f1(truth: np.ndarray, predicted: np.ndarray, classes: int) -> float:
    """Mean F1 over the classes present in `truth` (a class never tested has no F1)."""
    matrix = confusion(truth, predicted, classes)
    tp = np.diag(matrix).astype(float)
    precision_den = matrix.sum(axis=0)
    recall_den = matrix.sum(axis=1)
    present = recall_den > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(precision_den > 0, tp / precision_den, 0.0)
        recall = np.where(recall_den > 0, tp / recall_den, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return float(f1[present].mean()) if present.any() else float("nan")


def top1(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(truth == predicted))


def concordance_correlation(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Lin's concordance correlation coefficient (agreement, not just correlation)."""
    mean_t, mean_p = truth.mean(), predicted.mean()
    covariance = np.mean((truth - mean_t) * (predicted - mean_p))
    denominator = truth.var() + predicted.var() + (mean_t - mean_p) ** 2
    return float(2 * covariance / denominator) if denominator > 0 else float("nan")


def expected_calibration_error(truth: np.ndarray, probabilities: np.ndarray, bins: int = 15) -> float:
    """ECE: the mean |accuracy - confidence| over equal-width confidence bins, weighted by the
    share of windows in each bin (confidence = the top probability, as a behaviour node reads it)."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            total += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(total)


def labelled_share_and_top1(truth: np.ndarray, probabilities: np.ndarray,
                            min_confidence: float) -> tuple[float, float]:
    """What a behaviour node that skips `unknown` receives: the share of windows whose top
    probability reaches `min_confidence` (published with a label) and the top-1 of those alone."""
    labelled = probabilities.max(axis=1) >= min_confidence
    accuracy = top1(truth[labelled], probabilities[labelled].argmax(axis=1)) if labelled.any() else float("nan")
    return float(labelled.mean()), accuracy


def largest_class_share(predicted: np.ndarray) -> float:
    """The share of windows given the single most predicted class (1.0: a model that always
    answers the same thing)."""
    return float(np.bincount(predicted).max() / len(predicted)) if len(predicted) else float("nan")
