"""Builds and locates the MediaPipe PoseLandmarker `.task` bundles (lite, full, heavy).

Why this exists: the Tasks API (the only MediaPipe API that tracks several people in VIDEO mode)
needs `.task` bundles, but nothing we may download at run time ships them. Setup assembles them
from parts that come from package registries:
- the pose *detector* `pose_detection.tflite` bundled in the mediapipe wheel;
- the three *landmark* models from the npm package `@mediapipe/pose` (fetched by `npm pack`).
The raw tflite files lack the input-normalization metadata the Tasks API insists on, so we add it
with MediaPipe's own metadata writer, then zip both models into an aligned, uncompressed bundle
with fixed timestamps so the result is byte-for-byte reproducible and its sha256 can be pinned.
"""
from __future__ import annotations

import argparse
import os
import sys
import zipfile
from pathlib import Path
from typing import Dict, Optional

from .checksums import require_sha256, sha256_of
from .data_sources import REPOSITORY_ROOT, installed_share_paths
from .errors import PoseModelError

POSE_MODEL_VARIANTS = ("lite", "full", "heavy")
_BUNDLE_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# Input normalisation the two graphs were trained with (see ../shared/ENVIRONMENT.md, verified
# against the legacy solutions API to within about a pixel).
_DETECTOR_NORM = (127.5, 127.5)
_LANDMARKER_NORM = (0.0, 255.0)
_CHECKSUM_FILE = "SHA256SUMS"


def bundle_name(variant: str) -> str:
    if variant not in POSE_MODEL_VARIANTS:
        raise PoseModelError(f"unknown pose model '{variant}': choose one of {', '.join(POSE_MODEL_VARIANTS)}")
    return f"pose_landmarker_{variant}.task"


def _repository_model_dir() -> Path:
    return REPOSITORY_ROOT / "models" / "pose"


def _installed_model_dirs() -> list[Path]:
    """share/emotion_perception/pose_models of a colcon install (AMENT_PREFIX_PATH) or a pip one."""
    return [*installed_share_paths("emotion_perception", "pose_models"),
            Path(sys.prefix) / "share" / "emotion_perception" / "pose_models"]


def candidate_model_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("EMOTION_POSE_MODEL_DIR"):
        dirs.append(Path(os.environ["EMOTION_POSE_MODEL_DIR"]))
    dirs.append(_repository_model_dir())
    dirs.extend(_installed_model_dirs())
    return dirs


def _pinned_checksums(directory: Path) -> Dict[str, str]:
    sums_file = directory / _CHECKSUM_FILE
    if not sums_file.exists():
        sums_file = _repository_model_dir() / _CHECKSUM_FILE
    pinned: Dict[str, str] = {}
    if sums_file.exists():
        for line in sums_file.read_text().splitlines():
            if line.strip():
                digest, name = line.split()
                pinned[name] = digest
    return pinned


def verify_bundle(path: Path) -> None:
    """Raises PoseModelError unless `path` matches the sha256 pinned in SHA256SUMS."""
    require_sha256(path, _pinned_checksums(path.parent).get(path.name), PoseModelError,
                   f"pins are in {_CHECKSUM_FILE}; rebuild the bundle with `make setup`")


def resolve_pose_model(variant_or_path: str) -> Path:
    """Finds the bundle for 'lite'|'full'|'heavy', or accepts an explicit path to a `.task` file.

    Pinned bundles are checksum-verified; an explicit path is the user's responsibility.
    """
    if variant_or_path not in POSE_MODEL_VARIANTS:
        path = Path(variant_or_path)
        if not path.is_file():
            raise PoseModelError(f"pose model file not found: {path}")
        return path
    name = bundle_name(variant_or_path)
    searched = candidate_model_dirs()
    for directory in searched:
        path = directory / name
        if path.is_file():
            verify_bundle(path)
            return path
    raise PoseModelError(
        f"pose model '{variant_or_path}' ({name}) not found in: {', '.join(map(str, searched))}. "
        "Run `make setup` to build the pose model bundles."
    )


def _with_image_metadata(model: bytes, name: str, norm: tuple[float, float]) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, "assembled by emotion_perception for the Tasks PoseLandmarker")
    writer.add_image_input(norm_mean=[norm[0]], norm_std=[norm[1]])
    for _ in _output_count(model):
        writer.add_feature_output()
    content, _ = writer.populate()
    return bytes(content)


def _output_count(model: bytes) -> range:
    from mediapipe.tasks.python.metadata.metadata_writers import writer_utils

    return range(len(writer_utils.get_output_tensor_types(bytearray(model))))


def _write_bundle(members: Dict[str, bytes], output: Path) -> None:
    from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import AlignZipFile

    tmp = output.with_suffix(".tmp")
    with AlignZipFile(tmp, mode="w", alignment=4) as bundle:
        for member_name, content in members.items():
            info = zipfile.ZipInfo(member_name, date_time=_BUNDLE_TIMESTAMP)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, content)
    tmp.replace(output)


def detector_tflite() -> Path:
    import mediapipe

    return Path(mediapipe.__file__).parent / "modules" / "pose_detection" / "pose_detection.tflite"


def build_bundles(landmark_dir: Path, output_dir: Path, write_checksums: bool = False) -> Dict[str, str]:
    """Assembles the three bundles from `pose_landmark_{variant}.tflite` files in `landmark_dir`."""
    output_dir.mkdir(parents=True, exist_ok=True)
    detector = _with_image_metadata(detector_tflite().read_bytes(), "pose_detector", _DETECTOR_NORM)
    digests = {}
    for variant in POSE_MODEL_VARIANTS:
        source = landmark_dir / f"pose_landmark_{variant}.tflite"
        if not source.is_file():
            raise PoseModelError(f"missing landmark model {source} (from `npm pack @mediapipe/pose`)")
        landmarks = _with_image_metadata(source.read_bytes(), "pose_landmarks_detector", _LANDMARKER_NORM)
        output = output_dir / bundle_name(variant)
        _write_bundle({"pose_detector.tflite": detector, "pose_landmarks_detector.tflite": landmarks}, output)
        digests[output.name] = sha256_of(output)
    if write_checksums:
        lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items()))
        (output_dir / _CHECKSUM_FILE).write_text(lines)
    return digests


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Build the PoseLandmarker .task bundles at setup time.")
    parser.add_argument("landmark_dir", type=Path, help="folder with pose_landmark_{lite,full,heavy}.tflite")
    parser.add_argument("--out", type=Path, default=_repository_model_dir())
    parser.add_argument("--write-checksums", action="store_true", help="pin new checksums (maintainers only)")
    args = parser.parse_args(argv)
    build_bundles(args.landmark_dir, args.out, args.write_checksums)
    for variant in POSE_MODEL_VARIANTS:
        verify_bundle(args.out / bundle_name(variant))
        print(f"verified {args.out / bundle_name(variant)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
