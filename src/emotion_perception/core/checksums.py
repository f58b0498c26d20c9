"""One sha256 check for every file we refuse to use unverified: MediaPipe bundles, the packaged
model, the motion-capture archive. Each caller says where its pin lives and how to fix a
mismatch; the hashing and the wording of the refusal are the same everywhere."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def require_sha256(path: Path, pinned: Optional[str], error: type[Exception], remedy: str) -> None:
    """Raises `error` unless `path` hashes to `pinned`; no pin at all is a refusal too."""
    if pinned is None:
        raise error(f"{path}: no pinned sha256; refusing an unverified file ({remedy})")
    actual = sha256_of(path)
    if actual != pinned:
        raise error(f"{path}: sha256 {actual} does not match the pinned {pinned}; {remedy}")
