"""The package's folders import only downward.

core is the ROS-free pipeline; ros and training build on it and not on each other; the doors
(video, bags, demo) sit on those; the benchmark measures the doors; the command line
(`emotion_perception.cli`) sits on top and nothing imports it. An arrow back up couples what a
robot installs to what sits above it, so the check names every offending import.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "emotion_perception"
# A folder may import folders of a lower rank, never its own rank (siblings) or higher.
RANK = {"core": 0, "models": 0, "ros": 1, "training": 1, "doors": 2, "bench": 3, "cli": 4}


def imported_parts(path: Path) -> list[tuple[int, str]]:
    """(line, first part below the package) of every import of the package from `path`."""
    inside = path.relative_to(PACKAGE).parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(inside[:len(inside) - node.level + 1])
            for target in ([base + node.module.split(".")] if node.module else
                           [base + [alias.name] for alias in node.names]):
                if target:
                    found.append((node.lineno, target[0]))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("emotion_perception."):
            found.append((node.lineno, node.module.split(".")[1]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[1]) for alias in node.names
                      if alias.name.startswith("emotion_perception.")]
    return found


def upward_imports() -> list[str]:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        here = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        if here == "__init__":
            continue
        for line, target in imported_parts(path):
            target = target.removesuffix(".py")
            if target == here:
                continue
            if target not in RANK or here not in RANK:
                offences.append(f"{relative}:{line} imports {target}: give every module a rank in RANK")
            elif RANK[target] >= RANK[here]:
                offences.append(f"{relative}:{line} imports {target} (rank {RANK[target]}) from {here} "
                                f"(rank {RANK[here]}): arrows point down only")
    return offences


def test_folders_import_only_downward():
    assert upward_imports() == []


def test_the_check_catches_an_arrow_back_up(tmp_path, monkeypatch):
    """The check itself fails on what it names: a copy of the package where the core imports the
    command line and the doors import the benchmark."""
    import shutil

    copy = tmp_path / "emotion_perception"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("*.pt", "__pycache__"))
    (copy / "core" / "upward.py").write_text("from ..cli import main\n")
    (copy / "doors" / "sideways.py").write_text("from emotion_perception.bench import run\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", copy)
    offences = upward_imports()
    assert len(offences) == 2
    assert offences[0].startswith("core/upward.py:1 imports cli")
    assert offences[1].startswith("doors/sideways.py:1 imports bench")
