"""Where the project's data lives: the shared data folder and the setup-time cache.

Data is never copied into the repository. `EMOTION_DATA_DIR` overrides the shared folder
(default: ../shared/data beside the repository); `EMOTION_CACHE_DIR` overrides the cache
(default: ~/.cache/emotion_perception) where setup unpacks Debian footage and dataset-2.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # src/emotion_perception (or its installed copy)
REPOSITORY_ROOT = PACKAGE_ROOT.parents[1]


def data_dir() -> Path:
    return Path(os.environ.get("EMOTION_DATA_DIR", REPOSITORY_ROOT.parent / "shared" / "data"))


def cache_dir() -> Path:
    return Path(os.environ.get("EMOTION_CACHE_DIR", Path.home() / ".cache" / "emotion_perception"))


def installed_share_paths(package: str, *parts: str) -> list[Path]:
    """share/PACKAGE/PARTS under every AMENT_PREFIX_PATH prefix, in overlay order: where a built
    and sourced workspace (or a real ROS install) keeps a package's files."""
    return [Path(prefix, "share", package, *parts)
            for prefix in filter(None, os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep))]


def tfjs_footage(name: str) -> Path:
    """A file of footage/tfjs-pose-test-data (pose_squats.mp4, pose_1.mp4, their JSON, pose.jpg)."""
    return data_dir() / "footage" / "tfjs-pose-test-data" / name


def debian_footage(name: str) -> Path:
    """vtest.avi, basketball1.png or messi5.jpg, unpacked by scripts/fetch_footage.sh."""
    return cache_dir() / "opencv-doc" / name
