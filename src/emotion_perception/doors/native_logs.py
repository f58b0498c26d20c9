"""MediaPipe's native log lines, kept out of the user's terminal unless asked for (`-v`).

MediaPipe's C++ (absl and TensorFlow Lite) writes straight to file descriptor 2: lines such as
`W0000 ... RET_CHECK failure ... Unable to initialize EGL` and `INFO: Created TensorFlow Lite
XNNPACK delegate` say nothing a user can act on and land in the middle of progress bars. Every
door of the command line goes through `quiet_native_logs`: descriptor 2 becomes a pipe whose
lines are passed on unless they are MediaPipe's, so our own messages, tracebacks and those of
processes we start (the demo's node) still arrive.
"""
from __future__ import annotations

import atexit
import os
import re
import sys
import threading

# A native line may start mid-line, after a progress bar's redraw that ends without a newline.
NATIVE_LINE = re.compile(rb"(?:[WIE]\d{4} [\d:]+\.\d+ +\d+ [\w.]+:\d+\]|INFO: Created TensorFlow Lite|WARNING: All log "
                         rb"messages before absl::InitializeLog)")


def quiet_native_logs() -> None:
    """From now on, descriptor 2 drops MediaPipe's native log lines and passes on the rest."""
    sys.stderr.flush()
    original = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    thread = threading.Thread(target=_forward, args=(read_end, original), name="native_log_filter", daemon=True)
    thread.start()

    def restore() -> None:  # let the filter pass on what is still in the pipe before the process ends
        sys.stderr.flush()
        os.dup2(original, 2)  # closes the pipe's last write end: the filter reads to its end
        thread.join(timeout=2.0)

    atexit.register(restore)


def _forward(read_end: int, original: int) -> None:
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        pending = b""
        while chunk := pipe.read(65536):
            # pass on every piece up to its newline or carriage return at once: a progress bar
            # redraws itself with carriage returns and must not wait for a newline
            data = pending + chunk
            cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
            pending = data[cut:]
            passed = b"".join(_without_native(piece) for piece in _PIECES.split(data[:cut]) if piece)
            if passed:
                os.write(original, passed)
        if pending:
            os.write(original, _without_native(pending))


_PIECES = re.compile(rb"(?<=[\r\n])")


def _without_native(line: bytes) -> bytes:
    """The line up to where a native log line starts in it (all of it when none does)."""
    found = NATIVE_LINE.search(line)
    return line if found is None else line[:found.start()]
