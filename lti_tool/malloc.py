"""Keep a long-running worker's memory flat: few malloc arenas, large blocks unmapped on free.

glibc gives each thread that allocates concurrently an arena of its own (up to eight per core)
and returns memory to the system only from the top of an arena. It also raises its mmap
threshold to the size of any large block freed, so after the first scrypt check of an LRS secret
(16 MB) every later one is carved from an arena and stays resident; a gthread worker then grows
by 16 MB steps as its threads take turns. Here threads share two arenas, blocks of 1 MB or more
are always mapped and unmapped, and a daemon thread calls `malloc_trim` every few seconds to give
back the free pages inside the arenas (named `malloc-trim` in /proc/<pid>/task/*/comm).

These are settings of the whole process, so they are applied where a process starts —
`lti_tool.workers.process_started()`, from gunicorn's `post_fork` and `leadpath forwarder` —
never as a side effect of building the app.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading
import time

M_ARENA_MAX = -8  # glibc's mallopt parameter numbers
M_MMAP_THRESHOLD = -3
PR_SET_NAME = 15  # prctl: name the calling thread for the system's tools
TRIM_THREAD = "malloc-trim"
MMAP_THRESHOLD = 1 << 20
TRIM_SECONDS = 10.0
_started_in: int | None = None
_guard = threading.Lock()


@functools.cache
def _libc():
    """Load glibc once (finding it runs ldconfig); None where there is none."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def limit_arenas(count: int = 2) -> bool:
    """Cap glibc's malloc arenas for threads started from now on; False where there is no glibc."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_ARENA_MAX, count))


def _trim_forever(libc, seconds: float) -> None:
    libc.prctl(PR_SET_NAME, TRIM_THREAD.encode(), 0, 0, 0)
    while True:
        time.sleep(seconds)
        libc.malloc_trim(0)


def keep_memory_flat(seconds: float = TRIM_SECONDS) -> bool:
    """Cap the arenas, fix the mmap threshold and, once per process, start the trimming thread.

    Returns False where there is no glibc (nothing is changed there).
    """
    global _started_in
    libc = _libc()
    if libc is None:
        return False
    with _guard:
        if _started_in != os.getpid():
            limit_arenas(2)
            libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            threading.Thread(
                target=_trim_forever, args=(libc, seconds), name=TRIM_THREAD, daemon=True
            ).start()
            _started_in = os.getpid()
    return True
