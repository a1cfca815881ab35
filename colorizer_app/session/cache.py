"""Results cache: decoded photos, network outputs and rendered images within one byte budget.

Least recently used out first. Whatever is evicted can be made again (reloaded from its file or
recomputed), so memory stays bounded however many photos a session holds; thumbnails and states
live on the photos, not here. Thread-safe: the GUI's worker threads share one cache. Values are
made outside the lock, so two threads may occasionally compute the same thing; the last one wins.
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Callable, Hashable

import numpy as np

DEFAULT_BUDGET = 1536 * 2**20  # 1.5 GiB (a Preferences setting)


def nbytes(value: Any) -> int:
    """Bytes held by a numpy array, a torch tensor, a decoded photo, or an object with `nbytes`;
    tuples add up."""
    if isinstance(value, (tuple, list)):
        return sum(nbytes(v) for v in value)
    n = getattr(value, "nbytes", None)
    if isinstance(n, int):
        return n
    if hasattr(value, "element_size"):  # torch.Tensor
        return value.numel() * value.element_size()
    pixels = getattr(value, "pixels", None)  # a decoded photo (imaging.io.LoadedImage)
    if isinstance(pixels, np.ndarray):
        return pixels.nbytes
    return 0


class ResultsCache:
    def __init__(self, budget: int = DEFAULT_BUDGET):
        self.budget = int(budget)
        self._items: "collections.OrderedDict[Hashable, tuple[Any, int]]" = collections.OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        return self._total

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any) -> Any:
        """Keep `value` (an item larger than the whole budget is not kept); returns it."""
        size = nbytes(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._total -= old[1]
            if size <= self.budget:
                self._items[key] = (value, size)
                self._total += size
                self._evict()
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], Any], keep: bool = True) -> Any:
        value = self.get(key)
        if value is None:
            value = make()
            if keep:
                self.put(key, value)
        return value

    def discard(self, match: Callable[[Hashable], bool]) -> int:
        """Drop every item whose key `match`es; returns how many."""
        with self._lock:
            gone = [k for k in self._items if match(k)]
            for k in gone:
                self._total -= self._items.pop(k)[1]
        return len(gone)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._total = 0

    def set_budget(self, budget: int) -> None:
        with self._lock:
            self.budget = int(budget)
            self._evict()

    def _evict(self) -> None:
        while self._total > self.budget and self._items:
            _, (_, size) = self._items.popitem(last=False)
            self._total -= size
