"""What a frozen or windowed process needs before anything else runs.

A PyInstaller bundle must call multiprocessing's freeze support first, or a child process
(torch's data loaders, the spawn start method) would start another copy of the app. A windowed
app on Windows or macOS (the bundle, or pythonw) has no console: sys.stdout and sys.stderr are
None there and the first print or traceback would crash it, so they go to a log file in the
user's log folder (or nowhere, if that cannot be written). No Qt here.

Photo-sized buffers go straight to and from the system (`return_large_buffers`): glibc otherwise
raises its mmap threshold after the first large free, after which freed 12 MP arrays stay in
the heap as holes the process never gives back, and memory grows with every photo opened.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import multiprocessing
import os
import sys
from pathlib import Path

import platformdirs

from .models.registry import APP_NAME


def log_file() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME)) / "colorizer.log"


def _writable_stream():
    try:
        path = log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "a", encoding="utf-8", buffering=1, errors="backslashreplace")
    except OSError:
        return open(os.devnull, "w", encoding="utf-8")


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
LARGE_BUFFER = 4 << 20  # allocations from this size on are mapped (and unmapped when freed); work
# buffers of a few MB (Lab stripes) stay in the heap, where reusing them costs no page faults


@functools.lru_cache(maxsize=1)
def return_large_buffers() -> bool:
    """Fix glibc's mmap threshold (which also stops it from rising); True where it applies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BUFFER))
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False


def prepare_process() -> None:
    """Call first in an entry point: freeze support, stdout/stderr that always exist, and large
    buffers returned to the system when freed."""
    multiprocessing.freeze_support()
    return_large_buffers()
    if sys.stdout is None or sys.stderr is None:
        stream = _writable_stream()
        if sys.stdout is None:
            sys.stdout = stream
        if sys.stderr is None:
            sys.stderr = stream
