"""Keeping a long-running node's memory flat under glibc (a no-op elsewhere).

On a looped clip (test/ros/test_node_memory.py, bench memory mode; the figures are in the
benchmark report) glibc gave MediaPipe's fresh threads, started after every clock jump, their own
arenas, and camera-rate frame buffers fragmented them, so the node's RSS crept up over thousands
of frames and stayed above what it needs. Two arenas plus a trim once a second keep it flat.
"""
from __future__ import annotations

import ctypes
import functools
from typing import Optional

M_ARENA_MAX = -8


@functools.lru_cache(maxsize=1)
def _libc() -> Optional[ctypes.CDLL]:
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def limit_arenas(arenas: int = 2) -> None:
    """Call before threads start (first thing in main)."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, arenas)


def release_free_memory() -> None:
    """Hands freed heap pages back to the OS; cheap enough for a 1 Hz timer."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
