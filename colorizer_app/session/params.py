"""`Params`: everything that decides one photo's colourisation; equal params give equal pixels.

Importable without torch: the window is built (and painted) before torch has loaded."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from typing import TYPE_CHECKING

from ..defaults import DEFAULT_SIZE

if TYPE_CHECKING:
    from ..models.pipeline import Settings
    from ..models.hints import Hint
    from ..models.reference import Reference
    from ..restore.options import Restore


@dataclass(frozen=True)
class Params:
    model: str  # path of the .safetensors checkpoint
    device: str = "auto"
    size: int = DEFAULT_SIZE
    temperature: float | None = None  # classification only
    vibrance: float = 1.0
    reference: "Reference | None" = None  # a palette that steers the colours; not the network's output
    hints: "tuple[Hint, ...]" = ()  # the photo's colour hints, for a model that follows them (else ())
    restore: "Restore | None" = None  # the photo's restoration (scratches filled...; None: as it is)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hints", tuple(self.hints))

    def settings(self) -> "Settings":
        from ..models.pipeline import Settings  # torch: on the worker threads, when first needed

        return Settings(self.size, self.temperature, self.vibrance, reference=self.reference, hints=self.hints,
                        restore=self.restore)

    def network_key(self) -> tuple:
        """What the network's output depends on: not temperature or vibrance (decoding and merging
        redo those), but the model file as it is now, the device, the working size and the colour
        hints (a changed set of hints is a new network output, never a stale one)."""
        try:
            mtime = os.stat(self.model).st_mtime_ns
        except OSError:
            mtime = 0
        return (self.model, mtime, self.device, self.size, self.hints, self.restore)

    def with_model(self, model: str, family: str, temperature: float | None) -> "Params":
        return replace(self, model=model, temperature=temperature if family == "classification" else None)
