"""The latest-frame worker: a one-frame slot and the thread that empties it.

The subscription callback never runs inference: it drops each frame into the slot, replacing
(and reporting) any frame the worker had not taken yet, and returns. The worker takes the newest
frame and handles it, so latency stays bounded under load instead of a queue growing.

The worker owns what it handles with: it is given a `close` when started and calls it itself when
it stops, so a stop that arrives mid-frame (a large tiled frame takes seconds) never frees what
the frame is using. `stop` waits briefly and then lets that last frame finish on its own;
`finished` waits for it, so an owner can make sure there is never more than one worker.
ROS-free, so its behaviour is tested on its own (test/ros/test_frame_worker.py).
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Generic, Optional, TypeVar

Item = TypeVar("Item")


class LatestFrameWorker(Generic[Item]):
    def __init__(self, name: str, on_error: Callable[[Exception], None]) -> None:
        self._name = name
        self._on_error = on_error  # a bug must not silently stop perception: the owner counts and logs
        self._slot: Optional[tuple[Item, float]] = None  # the frame and when it arrived (monotonic)
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def running(self) -> bool:
        """Taking frames (started and not stopped)."""
        return self._thread is not None and not self._stop.is_set()

    def start(self, handle: Callable[[Item, float, threading.Event], None], close: Callable[[], None]) -> None:
        """Handles each frame taken from the slot with `handle(frame, arrived, stop)` on a thread
        of its own, and calls `close()` on that thread when it stops. `stop` is set once the worker
        is stopped, so a handler can leave a stopped frame unpublished."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("the previous worker is still running: wait for finished() first")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(handle, close, self._stop), name=self._name,
                                        daemon=True)
        self._thread.start()

    def offer(self, frame: Item) -> bool:
        """Puts the frame in the slot; True when it replaced one the worker had not taken (dropped)."""
        with self._ready:
            replaced = self._slot is not None
            self._slot = (frame, time.monotonic())
            self._ready.notify()
        return replaced

    def stop(self, wait_s: float) -> bool:
        """Takes no more frames and empties the slot; waits up to `wait_s` for the frame in hand.
        True when the worker has finished; False when its last frame is still being handled (it
        finishes on its own, then closes)."""
        self._stop.set()
        with self._ready:
            self._slot = None
            self._ready.notify_all()
        return self.finished(wait_s)

    def finished(self, timeout_s: float) -> bool:
        """Waits up to `timeout_s` for a stopped worker's last frame; True when none is running."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout=timeout_s)
        if thread.is_alive():
            return False
        self._thread = None
        return True

    def _run(self, handle: Callable[[Item, float, threading.Event], None], close: Callable[[], None],
             stop: threading.Event) -> None:
        try:
            while True:
                with self._ready:
                    while self._slot is None and not stop.is_set():
                        self._ready.wait(timeout=0.5)
                    if stop.is_set():
                        return
                    frame, arrived = self._slot
                    self._slot = None
                try:
                    handle(frame, arrived, stop)
                except Exception as error:
                    self._on_error(error)
        finally:
            close()
