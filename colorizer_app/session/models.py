"""The loaded models of a session: one `Colorizer` per (model file as it is now, device), shared
by the worker threads (a Colorizer keeps no per-call state), the few most recently used kept."""

from __future__ import annotations

import collections
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..engine.colorizer import Colorizer

MAX_MODELS = 4


class ModelStore:
    def __init__(self, on_warning: Callable[[str], None] | None = None):
        self.on_warning = on_warning or (lambda msg: None)
        self._models: "collections.OrderedDict[tuple, Colorizer]" = collections.OrderedDict()
        self._lock = threading.Lock()

    def colorizer(self, model: str | Path, device: str) -> "Colorizer":
        from ..engine.colorizer import Colorizer  # torch: imported on a worker thread, when first needed
        from ..models import registry

        path = Path(model)
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            mtime = 0
        key = (str(path.resolve()), mtime, device)
        with self._lock:
            c = self._models.get(key)
            if c is None:
                c = Colorizer(registry.load(path), device=device, on_warning=lambda msg: self.on_warning(msg))
                self._models[key] = c
                while len(self._models) > MAX_MODELS:
                    self._models.popitem(last=False)
            self._models.move_to_end(key)
            return c
