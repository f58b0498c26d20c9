"""Motion-capture sources as configuration: `config/mocap_sources/<name>.yaml`.

Each file says where a source's clips are (folders in the shared data, or a pinned archive that
is unpacked once into the cache), how a file name gives content, style and take, the source's
unit, its skeleton onto MediaPipe's landmarks (skeleton_map.SkeletonTable) and its styles onto
our classes. Every source then takes the one path BVH -> landmarks -> cameras -> windows.
"""
from __future__ import annotations

import functools
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional

from ...core.checksums import require_sha256
from ...core.data_sources import REPOSITORY_ROOT, cache_dir, data_dir
from .skeleton_map import SkeletonTable

SOURCES_DIR = REPOSITORY_ROOT / "config" / "mocap_sources"


@dataclass(frozen=True)
class FileSet:
    name: str
    folder: Optional[str] = None  # under the data directory
    archive: Optional[str] = None  # under the data directory, unpacked into the cache
    sha256: Optional[str] = None
    unpacked_folder: str = ""


@dataclass(frozen=True)
class MocapSource:
    name: str
    title: str
    credit: str
    license: str
    files: tuple[FileSet, ...]
    # file stem -> content, style (and optionally take); the first that matches wins. A list,
    # because a blended set names its unblended takes in several shapes (aalto.yaml).
    patterns: tuple[str, ...]
    unit_cm: float
    skeleton: SkeletonTable
    labels: dict[str, str]  # style -> class
    contents: dict[str, str]  # content id in file names -> readable name (optional)
    # Styles that are tempo instructions with no emotion asked for (Aalto's fast and slow): trained
    # as their label, scored apart (a held-out source's tempo takes should read as neutral).
    tempo_styles: tuple[str, ...] = ()
    actors: Optional[int] = None  # people recorded, where published: how many new people a held-out source is

    def folder(self, files: FileSet) -> Path:
        """The folder holding a file set's BVH files, unpacking its archive on first use (only the
        labelled styles' files: Bandai's dataset-2 is 515 MB whole)."""
        if files.folder is not None:
            return data_dir() / files.folder
        target = cache_dir() / f"{self.name}-{files.name}"
        marker = target / ".unpacked"
        if not marker.exists():
            archive = data_dir() / files.archive
            require_sha256(archive, files.sha256, RuntimeError,
                           "the pin is the archive's documented digest: is ../shared/data complete?")
            target.mkdir(parents=True, exist_ok=True)
            self._unpack_labelled(archive, target)
            marker.touch()
        return target / files.unpacked_folder

    def parse(self, stem: str) -> Optional[re.Match]:
        return next((m for m in (re.match(p, stem) for p in self.patterns) if m is not None), None)

    def parse_labelled(self, stem: str) -> Optional[re.Match]:
        """The file name's parts when its style is one of our classes' (None for a character style)."""
        match = self.parse(stem)
        return match if match is not None and match["style"] in self.labels else None

    def _unpack_labelled(self, archive: Path, target: Path) -> None:
        """Extracts the files whose name parses to a labelled style. Selected by parsing rather
        than by tar wildcards: a style the label map knows but an archive lacks (dataset-2 has no
        `sad`) made GNU tar fail the whole unpack on a fresh cache."""
        with tarfile.open(archive) as tar:
            for member in tar:
                if member.isfile() and self.parse_labelled(PurePosixPath(member.name).stem) is not None:
                    tar.extract(member, target, filter="data")


# name -> file of every source loaded by path, so that its clips (which carry the name) find it again
_LOADED_BY_PATH: dict[str, Path] = {}


def load_source(name: str, directory: Path = SOURCES_DIR) -> MocapSource:
    """A source's configuration by name, or by the path of a YAML file anywhere (a user's own
    capture: `evaluate --source PATH.yaml`)."""
    if str(name).endswith((".yaml", ".yml")):
        source = _load_source_file(Path(name).resolve())
        _LOADED_BY_PATH[source.name] = Path(name).resolve()
        return source
    return _load_source_file(_LOADED_BY_PATH.get(name) or (directory / f"{name}.yaml").resolve())


@functools.lru_cache(maxsize=16)
def _load_source_file(path: Path) -> MocapSource:
    """Parsed once per process (clip_landmarks asks for it per clip)."""
    import yaml

    data = yaml.safe_load(path.read_text())
    skeleton = data["skeleton"]
    table = SkeletonTable(
        landmarks=dict(skeleton["landmarks"]), toes=dict(skeleton["toes"]), head=skeleton["head"],
        head_axes=dict(skeleton["head_axes"]), unit_cm=float(data["unit_cm"]),
        torso_length_scale=float(skeleton.get("torso_length_scale", 1.0)),
        shoulder_width_scale=float(skeleton.get("shoulder_width_scale", 1.0)),
        hip_width_scale=float(skeleton.get("hip_width_scale", 1.0)),
        head_up_cm=float(skeleton.get("head_up_cm", 0.0)),
        foot_index_beyond_toes=float(skeleton.get("foot_index_beyond_toes", 0.5)),
    )
    patterns = data["pattern"]
    return MocapSource(
        name=data["name"], title=data["title"], credit=data["credit"], license=data["license"],
        files=tuple(FileSet(**entry) for entry in data["files"]),
        patterns=tuple(patterns) if isinstance(patterns, list) else (patterns,),
        unit_cm=float(data["unit_cm"]), skeleton=table, labels=dict(data["labels"]),
        contents={str(k): str(v) for k, v in (data.get("contents") or {}).items()},
        tempo_styles=tuple(data.get("tempo_styles") or ()), actors=data.get("actors"),
    )


def source_names(directory: Path = SOURCES_DIR) -> list[str]:
    return sorted(path.stem for path in directory.glob("*.yaml"))
