"""The latest-frame worker on its own: newest frame wins, a stop mid-frame never frees what the
frame uses, a failing frame does not stop the worker. Threads and events only, no ROS."""
from __future__ import annotations

import threading

import pytest

from emotion_perception.ros.frame_worker import LatestFrameWorker

WAIT_S = 10.0  # only ever reached when the behaviour is broken


class Recorder:
    """A handler that records what it handled, can be held inside a frame, and a close that
    records when it ran."""

    def __init__(self) -> None:
        self.handled: list[int] = []
        self.inside = threading.Event()  # set while a held frame is being handled
        self.release = threading.Event()
        self.hold: set[int] = set()
        self.stopped_seen: list[bool] = []
        self.closed = threading.Event()
        self.closed_while_handling = False
        self.errors: list[Exception] = []
        self.failed = threading.Event()
        self.done = threading.Condition()
        self._handling = False

    def handle(self, frame: int, arrived: float, stop: threading.Event) -> None:
        self._handling = True
        if frame in self.hold:
            self.inside.set()
            assert self.release.wait(WAIT_S)
        if frame < 0:
            self._handling = False
            raise ValueError(f"frame {frame} is broken")
        self.stopped_seen.append(stop.is_set())
        self._handling = False
        with self.done:
            self.handled.append(frame)
            self.done.notify_all()

    def error(self, error: Exception) -> None:
        self.errors.append(error)
        self.failed.set()

    def close(self) -> None:
        self.closed_while_handling = self._handling
        self.closed.set()

    def wait_handled(self, count: int) -> bool:
        with self.done:
            return self.done.wait_for(lambda: len(self.handled) >= count, WAIT_S)


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def worker(recorder):
    worker = LatestFrameWorker("test_worker", on_error=recorder.error)
    worker.start(recorder.handle, recorder.close)
    yield worker
    recorder.release.set()
    worker.stop(WAIT_S)


def test_a_frame_offered_while_the_worker_is_busy_replaces_the_untaken_one(worker, recorder):
    recorder.hold = {1}
    assert not worker.offer(1)
    assert recorder.inside.wait(WAIT_S)
    assert not worker.offer(2), "the slot was empty: nothing dropped"
    assert worker.offer(3), "2 was never taken: 3 replaces it and the owner counts a drop"
    recorder.release.set()
    assert recorder.wait_handled(2)
    assert recorder.handled == [1, 3]


def test_a_stop_mid_frame_lets_the_frame_finish_and_closes_only_after_it(worker, recorder):
    recorder.hold = {1}
    worker.offer(1)
    assert recorder.inside.wait(WAIT_S)
    worker.offer(2)
    assert worker.stop(0.05) is False, "the frame in hand is still running"
    assert not worker.running and not recorder.closed.is_set()
    recorder.release.set()
    assert worker.finished(WAIT_S)
    assert recorder.closed.is_set() and not recorder.closed_while_handling
    assert recorder.handled == [1] and recorder.stopped_seen == [True], "2 was discarded; 1 saw the stop"


def test_a_new_worker_starts_only_after_the_previous_one_finished(worker, recorder):
    recorder.hold = {1}
    worker.offer(1)
    assert recorder.inside.wait(WAIT_S)
    worker.stop(0.0)
    with pytest.raises(RuntimeError, match="still running"):
        worker.start(recorder.handle, recorder.close)
    recorder.release.set()
    assert worker.finished(WAIT_S)
    second = Recorder()
    worker.start(second.handle, second.close)
    worker.offer(7)
    assert second.wait_handled(1) and second.handled == [7]


def test_a_frame_that_raises_is_reported_and_the_next_frame_is_handled(worker, recorder):
    worker.offer(-1)
    assert recorder.failed.wait(WAIT_S)
    worker.offer(5)
    assert recorder.wait_handled(1)
    assert recorder.handled == [5]
    assert [str(error) for error in recorder.errors] == ["frame -1 is broken"]


def test_an_idle_worker_stops_at_once_and_closes(worker, recorder):
    assert worker.running
    assert worker.stop(WAIT_S) is True
    assert recorder.closed.is_set() and not worker.running and worker.finished(0.0)
