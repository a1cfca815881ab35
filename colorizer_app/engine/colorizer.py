"""`Colorizer`: a loaded model on a device, running the one pipeline (models/pipeline.py).

Full-resolution photo in, colour photo of exactly the same size out. Its settings (working size,
temperature, vibrance, upsampling) are a frozen `Settings` given at construction; a call may pass
others, so one Colorizer serves any settings and is never mutated to change them. It can be
shared between threads: the network runs in inference mode and keeps no state. The CPU threads
each step uses follow cpu_threads.py (the `threads` setting): the network and the upsampling on
torch threads, the full-resolution pixel work shared out stripe by stripe.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .. import cpu_threads
from ..defaults import DEFAULT_MODEL, DEFAULT_SIZE
from ..imaging.io import is_colour_pixels
from ..models import pipeline, registry
from ..models.checkpoint import LoadedModel
from ..models.reference import Reference
from ..restore.options import Restore
from ..models.pipeline import UPSAMPLERS, NetOutput, Settings  # noqa: F401  (UPSAMPLERS: the CLI's choices)
from .device import DeviceChoice, choose_device
from .output_check import check_ab
from .torch_threads import torch_threads


@dataclass
class ColorizeResult:
    rgb: np.ndarray  # (H, W, 3) uint8, the input's pixel size
    was_colour: bool  # the input had colour; its own L was used and its colours were replaced
    seconds: float
    device: str


class Colorizer:
    def __init__(self, model: LoadedModel | str | Path = DEFAULT_MODEL, device: str = "auto",
                 size: int = DEFAULT_SIZE, temperature: float | None = None, vibrance: float = 1.0,
                 on_warning: Callable[[str], None] | None = None, upsample: str = "guided",
                 threads: int | None = None, reference: Reference | None = None, hints: tuple = (),
                 restore: Restore | None = None):
        self.threads = threads  # CPU threads (cpu_threads.py); None: the process default
        self.model = model if isinstance(model, LoadedModel) else registry.load(model)
        self.on_warning = on_warning or (lambda msg: None)
        self.settings = Settings(int(size), temperature, float(vibrance), upsample, reference,
                                 tuple(hints), restore).for_model(self.model)
        self._use_device(device)

    def _use_device(self, request: str) -> None:
        choice = choose_device(request)
        if choice.message:
            self.on_warning(choice.message)
        self.choice = choice
        self.device = choice.device
        self.model.net.to(self.device).float().eval()

    def _fallback_to_cpu(self, err: Exception) -> None:
        self.on_warning(f"the GPU ran out of memory ({str(err).splitlines()[0]}); continuing on the CPU")
        self.model.net.cpu()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        self.choice = DeviceChoice(torch.device("cpu"), "fell back to the CPU after a GPU out-of-memory error")
        self.device = self.choice.device

    def _threads(self) -> int:
        return cpu_threads.process_default() if self.threads is None else self.threads

    def resolve(self, settings: Settings | None) -> Settings:
        return self.settings if settings is None else settings.for_model(self.model)

    # --- the pipeline's steps, with this model, device and threads --------------------------------

    def lightness(self, pixels: np.ndarray) -> torch.Tensor:
        return pipeline.lightness(pixels, cpu_threads.pixel_workers(self._threads()))

    def restored(self, L: torch.Tensor, restore: Restore | None, odds: torch.Tensor | None = None) -> torch.Tensor:
        """L restored as `restore` asks (scratches and spots filled; grain, contrast), or L itself."""
        with torch_threads(cpu_threads.network_threads(self._threads())):
            return pipeline.restored(L, restore, odds)

    def net_output(self, L: torch.Tensor, size: int, hints: tuple = ()) -> NetOutput:
        """Full-resolution L (1, H, W) -> the network's output at working size `size`, with the
        colour `hints` (models/hints.py) that decode makes it follow."""
        with torch_threads(cpu_threads.network_threads(self._threads())):
            L_work = pipeline.working_L(L, size, self.model.net.spec.stride)
            try:
                return pipeline.network_output(self.model, L_work, self.device, hints)
            except torch.cuda.OutOfMemoryError as e:
                self._fallback_to_cpu(e)
                return pipeline.network_output(self.model, L_work, self.device, hints)

    def decode(self, out: NetOutput, settings: Settings | None = None) -> torch.Tensor:
        """ab (2, h', w') at the network's resolution, for these settings' temperature; colours
        that are not finite are an error naming the model (check_ab), never a black photo."""
        s = self.resolve(settings)
        with torch_threads(cpu_threads.network_threads(self._threads())):
            ab = pipeline.decode(self.model, out, s.temperature, s.reference)[0]
        check_ab(ab, self.model.name, s.temperature)
        return ab

    def render(self, L: torch.Tensor, ab_low: torch.Tensor, out: NetOutput,
               settings: Settings | None = None) -> np.ndarray:
        """The colour photo at the resolution of `L` (the photo's own, or a screen view of it)."""
        s = self.resolve(settings)
        with torch_threads(cpu_threads.network_threads(self._threads())):
            ab = pipeline.upsample_ab(ab_low, L, out, s.upsample)
        return pipeline.merge(L, ab, s.vibrance, cpu_threads.pixel_workers(self._threads()))

    def colorize(self, pixels: np.ndarray, settings: Settings | None = None) -> ColorizeResult:
        """uint8 (H, W) or (H, W, 3) -> colour (H, W, 3) uint8 of the same size."""
        s = self.resolve(settings)
        t0 = time.perf_counter()
        L = self.restored(self.lightness(pixels), s.restore)
        out = self.net_output(L, s.size, s.hints)
        rgb = self.render(L, self.decode(out, s), out, s)
        return ColorizeResult(rgb, is_colour_pixels(pixels), time.perf_counter() - t0, self.choice.label)
