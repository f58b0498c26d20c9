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
