"""Processes that end with their parent: build workers and their kernels.

On Linux a process can ask the kernel to send it a signal when its parent ends
(``prctl(PR_SET_PDEATHSIG)``), however the parent ends: SIGKILL included. Build workers ask for
SIGTERM, on which they stop their kernels and exit; kernels ask for SIGKILL. Elsewhere this
does nothing, and the workers end when their pool is shut down.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
#: Set in the environment of a build's workers and kernels: they end with their parent.
VARIABLE = "OHTI_DIE_WITH_PARENT"


def die_with_parent(signum: int = signal.SIGTERM) -> bool:
    """Ask to receive `signum` when the parent process ends; True where the system does so.

    Called first thing in a new process: if the parent has already ended meanwhile, the
    process ends at once.
    """
    if not sys.platform.startswith("linux"):
        return False
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent:  # the parent ended before the request took effect
        os.kill(os.getpid(), signum)
    return True


def kernel_dies_with_parent() -> bool:
    """In a kernel of a build (``OHTI_DIE_WITH_PARENT`` set): end by SIGKILL with the worker."""
    return os.environ.get(VARIABLE) == "1" and die_with_parent(signal.SIGKILL)
