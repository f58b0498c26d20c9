"""Shared fixtures: real data locations (never copied into the repository) and a tiny model."""
from __future__ import annotations

import os
import time
from pathlib import Path

# Fast DDS reads its XML profile once per process, at the first participant: set it before any
# test creates one, or this process keeps the 512 KB shared-memory default and loses big frames.
os.environ["FASTDDS_DEFAULT_PROFILES_FILE"] = str(
    Path(__file__).resolve().parents[1] / "config" / "fastdds_large_images.xml"
)
os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from emotion_perception.core.data_sources import debian_footage, tfjs_footage  # noqa: E402


def _require(path: Path) -> Path:
    assert path.exists(), f"test data missing: {path} (set EMOTION_DATA_DIR, or run `make setup`)"
    return path


@pytest.fixture(scope="session")
def squats_video() -> Path:
    return _require(tfjs_footage("pose_squats.mp4"))


@pytest.fixture(scope="session")
def pose1_video() -> Path:
    return _require(tfjs_footage("pose_1.mp4"))


@pytest.fixture(scope="session")
def vtest_video() -> Path:
    return _require(debian_footage("vtest.avi"))


@pytest.fixture(scope="session")
def basketball_image() -> Path:
    return _require(debian_footage("basketball1.png"))


def read_rgb_frames(path: Path, limit: int | None = None) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while limit is None or len(frames) < limit:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    capture.release()
    return frames


@pytest.fixture(scope="session")
def squats_frames(squats_video) -> list[np.ndarray]:
    return read_rgb_frames(squats_video)


@pytest.fixture(scope="session")
def tiny_model_file(tmp_path_factory) -> Path:
    from tiny_model import export_tiny_model

    return export_tiny_model(tmp_path_factory.mktemp("model") / "tiny.pt")


@pytest.fixture(scope="module")
def domain_id() -> int:
    """The test module's private ROS domain (ros_harness.allocate_domain_id)."""
    from ros_harness import allocate_domain_id

    return allocate_domain_id()


@pytest.fixture(scope="module")
def no_leftover_shared_memory():
    """Fails the module if its own processes leave Fast DDS shared-memory files behind (files no
    live process maps any more); another Fast DDS user on the host is none of its business."""
    from ros_harness import OWN_SHM_FILES, own_shm_leftovers, shm_files

    before = shm_files()  # e.g. port files that outlive their users by design
    yield
    time.sleep(0.5)
    assert OWN_SHM_FILES, "the check saw none of its processes' shared memory: it would pass vacuously"
    assert own_shm_leftovers() - before == set(), "Fast DDS shared-memory files left behind"


@pytest.fixture
def session_factory(domain_id, tmp_path, tiny_model_file):
    """Node processes over DDS (ros_harness.Session) on the test module's `domain_id`, closed after the test."""
    sessions = []

    def make(model: Path | str = tiny_model_file, **kwargs):
        from ros_harness import Session

        session = Session(domain_id, tmp_path, model, **kwargs)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        if session.node.process.poll() is None:
            session.close()


def pytest_terminal_summary(terminalreporter):
    """Prints the figures tests measured (record_property("measurement", ...)), pass or fail."""
    lines = [
        f"{report.nodeid.split('::')[-1]}: {value}"
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call"
        for key, value in report.user_properties
        if key == "measurement"
    ]
    if lines:
        terminalreporter.section("measurements")
        for line in lines:
            terminalreporter.write_line(line)
