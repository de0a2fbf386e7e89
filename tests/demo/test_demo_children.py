"""The demo's background children (task queue, simulator) end with the demo process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import parkpilot

PARENT = """
import subprocess, sys, time
from parkpilot.demo.children import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                         preexec_fn=die_with_parent)
print(child.pid, flush=True)
time.sleep(120)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has ended, only unreaped
    except FileNotFoundError:
        return False


def test_a_killed_demo_leaves_no_child_running():
    source = str(Path(parkpilot.__file__).parents[1])  # the code under test, not an install
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": source},
    )
    child_pid = int(parent.stdout.readline())
    assert _running(child_pid)
    os.kill(parent.pid, signal.SIGKILL)  # no finally block runs: only the kernel can help
    parent.wait()
    deadline = time.monotonic() + 10
    while _running(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child_pid)
