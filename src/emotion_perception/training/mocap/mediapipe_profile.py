"""What real MediaPipe reports on real people: the target that projected mocap must imitate.

The model must learn emotion from motion, not from artefacts of our simulation. So the nuisances
the simulation adds (visibility, jitter) and the places the mocap mappings put the landmarks (body
proportions) are *measured* here, on the project's real footage, and written to
`mediapipe_profile.json`; `projection.observe` samples from it and the skeleton tables are
checked against it (test_mocap_sources). `write_profile()` re-measures and rewrites it.

Categories of a landmark, decided the same way for MediaPipe and for the simulation:
- `offscreen`: its pixel lies outside the image;
- `behind`: in the image, but further from the camera than the torso's plane by more than
  `BEHIND_TORSO_LENGTHS` torso lengths (the far arm of a person seen from the side);
- `visible`: the rest.
Landmarks are pooled in body groups (face, arms, hands, legs, feet), because MediaPipe is much
surer of a shoulder than of a pinky.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Iterable, Iterator, Optional

import numpy as np

from ...core.landmarks import INDEX, LEFT_HIP, LEFT_SHOULDER, NUM_LANDMARKS, RIGHT_HIP, RIGHT_SHOULDER, TORSO

PROFILE_PATH = Path(__file__).resolve().parent / "mediapipe_profile.json"
BEHIND_TORSO_LENGTHS = 0.15
QUANTILES = np.linspace(0.0, 1.0, 21)
CATEGORIES = ("visible", "behind", "offscreen")
GROUPS = {
    "face": [i for name, i in INDEX.items() if i <= 10],
    "torso": list(TORSO),
    "arms": [INDEX[f"{s}_{p}"] for s in ("left", "right") for p in ("elbow", "wrist")],
    "hands": [INDEX[f"{s}_{p}"] for s in ("left", "right") for p in ("pinky", "index", "thumb")],
    "legs": [INDEX[f"{s}_{p}"] for s in ("left", "right") for p in ("knee", "ankle")],
    "feet": [INDEX[f"{s}_{p}"] for s in ("left", "right") for p in ("heel", "foot_index")],
}
GROUP_OF = np.empty(NUM_LANDMARKS, dtype=np.int64)
for _g, (_name, _members) in enumerate(GROUPS.items()):
    GROUP_OF[_members] = _g
# Our footage keeps people in the frame, so off-screen visibility is not measured: assumed
# uniform in [0, this], below the node's presence threshold as MediaPipe's are for cut-off limbs.
OFFSCREEN_UNMEASURED_MAX = 0.3
# Body proportions, each a length over the torso length (mid-shoulder to mid-hip), in 3D.
RATIOS = {
    "shoulder_width": (("left_shoulder", "right_shoulder"),),
    "hip_width": (("left_hip", "right_hip"),),
    "upper_arm": (("left_shoulder", "left_elbow"), ("right_shoulder", "right_elbow")),
    "forearm": (("left_elbow", "left_wrist"), ("right_elbow", "right_wrist")),
    "thigh": (("left_hip", "left_knee"), ("right_hip", "right_knee")),
    "shank": (("left_knee", "left_ankle"), ("right_knee", "right_ankle")),
    "head_height": (("mid_shoulder", "nose"),),
}
# Real footage of real people (data/README.md): stills are single frames, videos are streams.
FOOTAGE = (("tfjs", "pose_squats.mp4"), ("tfjs", "pose_1.mp4"), ("tfjs", "pose.jpg"),
           ("debian", "messi5.jpg"), ("debian", "basketball1.png"), ("debian", "vtest.avi"))


def torso_length(points: np.ndarray) -> np.ndarray:
    """Mid-shoulder to mid-hip distance of [..., 33, D] points."""
    mid_shoulder = 0.5 * (points[..., LEFT_SHOULDER, :] + points[..., RIGHT_SHOULDER, :])
    mid_hip = 0.5 * (points[..., LEFT_HIP, :] + points[..., RIGHT_HIP, :])
    return np.linalg.norm(mid_shoulder - mid_hip, axis=-1)


def body_ratios(points: np.ndarray) -> dict[str, float]:
    """Median over frames of every RATIOS entry for [frames, 33, 3] points (any unit)."""
    torso = torso_length(points)
    mid_shoulder = 0.5 * (points[:, LEFT_SHOULDER] + points[:, RIGHT_SHOULDER])

    def at(name: str) -> np.ndarray:
        return mid_shoulder if name == "mid_shoulder" else points[:, INDEX[name]]

    out = {}
    for ratio, pairs in RATIOS.items():
        lengths = np.mean([np.linalg.norm(at(a) - at(b), axis=-1) for a, b in pairs], axis=0)
        out[ratio] = float(np.median(lengths / np.maximum(torso, 1e-9)))
    return out


def categories(pixels: np.ndarray, depth_torso_lengths: np.ndarray, width: int, height: int) -> np.ndarray:
    """[..., 33] category index (see CATEGORIES) from pixels [..., 33, 2] and depth behind the
    torso plane in torso lengths [..., 33]."""
    outside = (pixels[..., 0] < 0) | (pixels[..., 0] >= width) | (pixels[..., 1] < 0) | (pixels[..., 1] >= height)
    behind = depth_torso_lengths > BEHIND_TORSO_LENGTHS
    return np.where(outside, 2, np.where(behind, 1, 0))


def _frames(kind: str, name: str, max_frames: int) -> Iterator[tuple[float, np.ndarray]]:
    import cv2

    from ...core.data_sources import debian_footage, tfjs_footage

    path = tfjs_footage(name) if kind == "tfjs" else debian_footage(name)
    if path.suffix in (".jpg", ".png"):
        bgr = cv2.imread(str(path))
        if bgr is None:
            raise FileNotFoundError(f"cannot read {path}")
        yield 0.0, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        return
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    try:
        for index in range(max_frames):
            ok, bgr = capture.read()
            if not ok:
                return
            yield index / fps, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    finally:
        capture.release()


def observations(footage: Iterable[tuple[str, str]] = FOOTAGE, max_frames: int = 120) -> dict[str, list]:
    """Runs MediaPipe (full model) over the footage; per person and frame: raw landmarks [33, 4],
    presence [33], world landmarks [33, 3], image size, clip name and stamp."""
    from ...core.pose import PoseConfig, PoseEstimator

    records: dict[str, list] = {"raw": [], "presence": [], "world": [], "size": [], "clip": [], "stamp": []}
    for kind, name in footage:
        small_people = name == "vtest.avi"
        # every tile on every frame: a measurement of what MediaPipe reports, not of the node's search
        config = PoseConfig(max_people=4, tile_size=256 if small_people else 0, tile_search_every=1)
        with PoseEstimator(config) as estimator:
            for stamp, rgb in _frames(kind, name, 40 if small_people else max_frames):
                for person in estimator.process(rgb, stamp):
                    records["raw"].append(person.landmarks)
                    records["presence"].append(person.presence)
                    records["world"].append(person.world)
                    records["size"].append(rgb.shape[1::-1])
                    records["clip"].append(name)
                    records["stamp"].append(stamp)
    return records


def _quantiles(values: np.ndarray) -> Optional[list[float]]:
    return [round(float(q), 4) for q in np.quantile(values, QUANTILES)] if len(values) >= 20 else None


def measure(records: dict[str, list]) -> dict:
    """The profile (see module docstring) from `observations`."""
    raw = np.stack(records["raw"]).astype(np.float64)
    presence = np.stack(records["presence"])
    sizes = np.array(records["size"])
    torso_px = torso_length(raw[..., :2])
    torso_z = raw[:, list(TORSO), 2].mean(axis=1)
    depth = (raw[..., 2] - torso_z[:, None]) / np.maximum(torso_px, 1e-6)[:, None]
    category = np.stack([categories(r[:, :2], d, w, h) for r, d, (w, h) in zip(raw, depth, sizes)])
    visibility: dict[str, dict] = {}
    presence_q: dict[str, dict] = {}
    for c, cname in enumerate(CATEGORIES):
        visibility[cname], presence_q[cname] = {}, {}
        for g, gname in enumerate(GROUPS):
            mask = (category == c) & (GROUP_OF[None, :] == g)
            visibility[cname][gname] = _quantiles(raw[..., 3][mask])
            presence_q[cname][gname] = _quantiles(presence[mask])
        visibility[cname]["share"] = round(float((category == c).mean()), 4)
    # Jitter: in 30 fps video of a torso MediaPipe is sure of, the distance of each landmark from
    # the midpoint of its neighbours in time; for white noise of sigma s that residual has
    # sigma s * sqrt(1.5). Motion at 30 fps adds little (a squat's acceleration is slow).
    residuals = []
    clips, stamps = np.array(records["clip"]), np.array(records["stamp"])
    for clip in ("pose_1.mp4",):
        index = np.flatnonzero(clips == clip)
        if len(index) < 3 or np.any(np.diff(stamps[index]) > 0.05):
            continue
        xy = raw[index, :, :2] / torso_px[index, None, None]
        sure = raw[index, :, 3] > 0.9
        middle = xy[1:-1] - 0.5 * (xy[:-2] + xy[2:])
        both = sure[1:-1] & sure[:-2] & sure[2:]
        residuals.append(middle[both])
    residual = np.concatenate(residuals) if residuals else np.zeros((0, 2))
    jitter = float(np.sqrt(np.mean(residual ** 2)) / np.sqrt(1.5)) if len(residual) else None
    worlds = [w for w in records["world"] if w is not None]
    world = np.stack(worlds).astype(np.float64)
    sure = raw[..., 3].min(axis=1) > 0.0  # every person: the world model always places all joints
    ratios = body_ratios(world[sure[:len(world)]])
    spread = {name: float(np.std([body_ratios(w[None])[name] for w in world])) for name in RATIOS}
    return {
        "footage": sorted(set(records["clip"])), "people_frames": int(len(raw)),
        "behind_torso_lengths": BEHIND_TORSO_LENGTHS, "quantiles": [round(float(q), 3) for q in QUANTILES],
        "visibility": visibility, "presence": presence_q,
        "jitter_torso_lengths": None if jitter is None else round(jitter, 5),
        "body_ratios": {k: round(v, 4) for k, v in ratios.items()},
        "body_ratio_spread": {k: round(v, 4) for k, v in spread.items()},
    }


def write_profile(path: Path = PROFILE_PATH) -> dict:
    profile = measure(observations())
    path.write_text(json.dumps(profile, indent=1) + "\n")
    load_profile.cache_clear()
    return profile


@functools.lru_cache(maxsize=4)
def load_profile(path: Path = PROFILE_PATH) -> dict:
    """The pinned profile, read once per process: `observe` asks for it for every camera view.
    Callers read it and never change it."""
    return json.loads(Path(path).read_text())


def sample_visibility(profile: dict, category: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Visibility for landmarks of the given categories [..., 33], drawn from the measured
    distribution of their category and body group (inverse CDF between measured quantiles). Where
    the footage showed too few cases: a group's `behind` borrows its `visible` table, and
    `offscreen` (our footage keeps people in frame) stays the assumption it always was, low."""
    quantiles = np.asarray(profile["quantiles"])
    out = np.empty(category.shape, dtype=np.float64)
    groups = np.broadcast_to(GROUP_OF, category.shape)
    for c, cname in enumerate(CATEGORIES):
        for g, gname in enumerate(GROUPS):
            mask = (category == c) & (groups == g)
            if not mask.any():
                continue
            table = profile["visibility"][cname][gname]
            if table is not None:
                out[mask] = np.interp(rng.random(int(mask.sum())), quantiles, table)
            elif cname == "offscreen":
                out[mask] = rng.uniform(0.0, OFFSCREEN_UNMEASURED_MAX, int(mask.sum()))
            else:
                out[mask] = np.interp(rng.random(int(mask.sum())), quantiles, profile["visibility"]["visible"][gname])
    return out
