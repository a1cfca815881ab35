"""What a frozen or windowed process needs before anything else runs.

A PyInstaller bundle must call multiprocessing's freeze support first, or a child process
(torch's data loaders, the spawn start method) would start another copy of the app. A windowed
app on Windows or macOS (the bundle, or pythonw) has no console: sys.stdout and sys.stderr are
None there and the first print or traceback would crash it, so they go to a log file in the
user's log folder (or nowhere, if that cannot be written). No Qt here.
"""

from __future__ import annotations

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


def prepare_process() -> None:
    """Call first in an entry point: freeze support, and stdout/stderr that always exist."""
    multiprocessing.freeze_support()
    if sys.stdout is None or sys.stderr is None:
        stream = _writable_stream()
        if sys.stdout is None:
            sys.stdout = stream
        if sys.stderr is None:
            sys.stderr = stream
