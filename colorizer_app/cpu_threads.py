"""How many CPU threads colourising a photo uses: one setting, `--threads` and Preferences.

A busy machine is the common case (a browser, an indexer, a build): torch splits each operation
over all cores and makes every operation wait for its slowest core, so one other program on one
core made a batch 12-22x slower. Automatic (0), the default, is what holds up under that load:
the network runs on one thread (it works at the small working size and is a small part of the
time; its many small operations are what a busy core slows most), and the full-resolution pixel
work is shared out stripe by stripe over up to MAX_AUTO_WORKERS threads, so a busy core costs its
share of the work and no more. A number N runs the network on N torch threads and shares the
pixel work over N threads: for a quiet machine with many cores. Standard library only: the GUI
reads it before torch has loaded.
"""

from __future__ import annotations

import os

AUTO = 0
MAX_AUTO_WORKERS = 4  # more threads than this gain little on one photo and cost memory bandwidth
MAX_THREADS = 256

_process_default = AUTO


def cores() -> int:
    """CPUs this process may run on (its affinity where the system says, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def pixel_workers(threads: int) -> int:
    """Threads that share one photo's full-resolution pixel work."""
    return min(threads, MAX_THREADS) if threads > 0 else min(cores(), MAX_AUTO_WORKERS)


def network_threads(threads: int) -> int:
    """torch intra-op threads for the network on the CPU."""
    return min(threads, MAX_THREADS) if threads > 0 else 1


def describe(threads: int) -> str:
    if threads > 0:
        return f"{threads} thread{'s' if threads != 1 else ''}"
    return f"automatic threads ({pixel_workers(threads)} for pixels, 1 for the network)"


def set_process_default(threads: int) -> None:
    """The setting used where a Colorizer was not given its own (the GUI's Preferences)."""
    global _process_default
    _process_default = max(0, min(int(threads), MAX_THREADS))


def process_default() -> int:
    return _process_default
