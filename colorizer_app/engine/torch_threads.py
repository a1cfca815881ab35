"""Run a stretch of torch work on a given number of intra-op threads, then put the count back.

torch keeps the count per thread (OpenMP) plus a process default for threads started later;
setting it around the work and restoring it after leaves other threads (a fine-tuning run in the
app) as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    before = torch.get_num_threads()
    if n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
