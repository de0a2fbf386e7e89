"""How the demo starts its background processes (no Django needed: runs in the child)."""

import ctypes
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """Run in a background child before it starts: the kernel ends it when the demo process
    dies, however it dies (a killed terminal or job sends SIGKILL, and no `finally` runs then),
    so a stopped demo never leaves a task queue and a simulator running."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
