"""MediaPipe's native log lines are dropped from a door's stderr; everything else passes, at once."""
from __future__ import annotations

import os
import select
import subprocess
import sys

PROGRAM = r"""
import sys, time
from emotion_perception.doors.native_logs import quiet_native_logs
quiet_native_logs()
sys.stderr.write("bar 1%\r"); sys.stderr.flush()
time.sleep(30)  # killed long before: what came out so far must have come out without a newline
"""


def test_a_progress_bar_passes_at_once_and_native_lines_are_dropped_even_mid_line():
    child = subprocess.Popen([sys.executable, "-c", PROGRAM], stderr=subprocess.PIPE)
    try:
        readable, _, _ = select.select([child.stderr], [], [], 20.0)
        assert readable, "the bar is held back until a newline that never comes"
        assert os.read(child.stderr.fileno(), 64) == b"bar 1%\r", "a carriage return passes the line on"
    finally:
        child.kill()
        child.wait()
    program = ("from emotion_perception.doors.native_logs import quiet_native_logs\nimport sys\n"
               "quiet_native_logs()\n"
               "sys.stderr.write('bar 2%\\rW0000 00:00:1796688297.024265    1234 gl_context.cc:369] RET_CHECK\\n')\n"
               "sys.stderr.write('INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n')\n"
               "sys.stderr.write('Traceback (most recent call last): ours\\n')\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60)
    assert done.stderr == b"bar 2%\rTraceback (most recent call last): ours\n"
