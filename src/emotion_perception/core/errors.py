"""Typed errors raised by the core; each message says what to do about it.

The doors (node, CLI, bag tools) catch these at the boundary, count them by `kind` and log once.
"""
from __future__ import annotations


class EmotionPerceptionError(Exception):
    """Base class; `kind` is the stable label used in diagnostics counters."""

    kind = "error"


class BadImageError(EmotionPerceptionError):
    """An input frame that cannot be processed; `kind` (unsupported_encoding, too_large, ...) is
    what diagnostics count, so every door counts bad frames by cause without knowing who raised it."""

    kind = "bad_image"

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        if kind:
            self.kind = kind


class ModelLoadError(EmotionPerceptionError):
    """A model file is missing, truncated, tampered with, or breaks the model contract."""

    kind = "model_load"


class ModelOutputError(EmotionPerceptionError):
    """A loaded model answered with numbers no consumer can use (NaN or infinite): the frame's
    judgements are dropped, never published."""

    kind = "internal_error"


class DeviceUnavailableError(EmotionPerceptionError):
    kind = "device_unavailable"


class PoseModelError(EmotionPerceptionError):
    """A pose model bundle is missing or does not match its pinned checksum."""

    kind = "pose_model"


class VideoSourceError(EmotionPerceptionError):
    """A video file or camera that cannot be opened or read."""

    kind = "video_source"


class BvhFormatError(EmotionPerceptionError):
    """A motion-capture file that is not the BVH its source's table describes."""

    kind = "bvh_format"


class LeakageError(EmotionPerceptionError):
    """A training/test split that puts one motion or clip on both sides: a bug, never input."""

    kind = "leakage"
