"""Comparing emotion outputs with tolerances, so CPU/GPU and library differences do not count.

Frames must match by stamp and people by track id exactly; an estimate must exist on both
sides or on neither; probabilities, valence and arousal may differ by `probability` and the
top label must agree on at least `min_argmax_agreement` of the estimates.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    probability: float = 0.05
    affect: float = 0.05
    box_px: int = 8
    min_argmax_agreement: float = 0.95


@dataclass
class Comparison:
    frames: int = 0
    estimates: int = 0
    argmax_agreement: float = 1.0
    max_probability_difference: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        return (f"{self.frames} frames, {self.estimates} estimates, argmax agreement {self.argmax_agreement:.3f}, "
                f"max |dp| {self.max_probability_difference:.4f}")


def compare_outputs(expected: list[dict], actual: list[dict], tolerance: Tolerance = Tolerance()) -> Comparison:
    """`expected` and `actual` are lists of emotion_message.summarize() dicts."""
    result = Comparison(frames=len(expected))
    expected_stamps = [f["stamp_ns"] for f in expected]
    actual_stamps = [f["stamp_ns"] for f in actual]
    if expected_stamps != actual_stamps:
        missing = sorted(set(expected_stamps) - set(actual_stamps))
        extra = sorted(set(actual_stamps) - set(expected_stamps))
        result.problems.append(f"stamps differ: {len(missing)} missing (first {missing[:3]}), "
                               f"{len(extra)} unexpected (first {extra[:3]})")
        return result
    agreements, differences = [], [0.0]
    for want_frame, got_frame in zip(expected, actual):
        want = {p["id"]: p for p in want_frame["people"]}
        got = {p["id"]: p for p in got_frame["people"]}
        if want.keys() != got.keys():
            result.problems.append(f"{want_frame['stamp_ns']}: ids {sorted(want)} expected, {sorted(got)} got")
            continue
        for track_id, person in want.items():
            other = got[track_id]
            where = f"{want_frame['stamp_ns']} id {track_id}"
            if bool(person["probabilities"]) != bool(other["probabilities"]):
                result.problems.append(f"{where}: estimate present on one side only")
                continue
            box_error = np.abs(np.subtract(person["box"], other["box"])).max()
            if box_error > tolerance.box_px:
                result.problems.append(f"{where}: box {other['box']} is {box_error} px from {person['box']}")
            if not person["probabilities"]:
                continue
            p, q = np.array(person["probabilities"]), np.array(other["probabilities"])
            differences.append(float(np.abs(p - q).max()))
            agreements.append(int(p.argmax() == q.argmax()))
            affect = max(abs(person["valence"] - other["valence"]), abs(person["arousal"] - other["arousal"]))
            if differences[-1] > tolerance.probability:
                result.problems.append(f"{where}: probabilities differ by {differences[-1]:.3f}")
            if affect > tolerance.affect:
                result.problems.append(f"{where}: valence/arousal differ by {affect:.3f}")
    result.estimates = len(agreements)
    result.argmax_agreement = float(np.mean(agreements)) if agreements else 1.0
    result.max_probability_difference = max(differences)
    if result.argmax_agreement < tolerance.min_argmax_agreement:
        result.problems.append(f"top labels agree on {result.argmax_agreement:.1%} of estimates "
                               f"(at least {tolerance.min_argmax_agreement:.0%} required)")
    return result
