"""What names a model and an evaluation run, shared by shipping (export) and evaluation so that
neither imports the other: the shipped model's id, a recipe's hash, the commit, the wall time."""
from __future__ import annotations

import hashlib
import json
import subprocess
import time

from ..core.data_sources import REPOSITORY_ROOT
from .recipe import Recipe

MODEL_ID = "emotiposeformer-3studios4/7"


def recipe_hash(recipe: Recipe) -> str:
    return hashlib.sha256(json.dumps(recipe.to_dict(), sort_keys=True).encode()).hexdigest()[:12]


def commit() -> str:
    """HEAD's hash, marked `-dirty` when the working tree differs from it (then the figures come
    from code no commit holds); `unknown` outside a git checkout (an installed package)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPOSITORY_ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPOSITORY_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")


def stamp(recipe: Recipe, started: float, code: str, model_id: str = MODEL_ID) -> dict:
    """The stamp every part of metrics.json carries: which model, recipe and code made it, and how
    long it took (`started`: time.perf_counter() at its start; `code`: commit() when the run
    began, since the process runs the code it imported then, whatever is committed meanwhile)."""
    return {"model_id": model_id, "recipe_hash": recipe_hash(recipe), "commit": code,
            "wall_seconds": round(time.perf_counter() - started, 1),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
