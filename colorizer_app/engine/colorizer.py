"""`Colorizer`: a loaded model on a device, running the one pipeline (models/pipeline.py).

Full-resolution photo in, colour photo of exactly the same size out. Its settings (working size,
temperature, vibrance) are a frozen `Settings` given at construction; a call may pass others, so
one Colorizer serves any settings and is never mutated to change them. It can be shared between
threads: the network runs in inference mode and keeps no state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..defaults import DEFAULT_SIZE
from ..imaging.io import is_colour_pixels
from ..models import pipeline, registry
from ..models.checkpoint import LoadedModel
from ..models.pipeline import UPSAMPLERS, NetOutput, Settings  # noqa: F401  (UPSAMPLERS: the CLI's choices)
from .device import DeviceChoice, choose_device


@dataclass
class ColorizeResult:
    rgb: np.ndarray  # (H, W, 3) uint8, the input's pixel size
    was_colour: bool  # the input had colour; its own L was used and its colours were replaced
    seconds: float
    device: str


class Colorizer:
    def __init__(self, model: LoadedModel | str | Path = "classification", device: str = "auto",
                 size: int = DEFAULT_SIZE, temperature: float | None = None, vibrance: float = 1.0,
                 on_warning: Callable[[str], None] | None = None, upsample: str = "guided"):
        self.model = model if isinstance(model, LoadedModel) else registry.load(model)
        self.on_warning = on_warning or (lambda msg: None)
        self.settings = Settings(int(size), temperature, float(vibrance), upsample).for_model(self.model)
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

    def resolve(self, settings: Settings | None) -> Settings:
        return self.settings if settings is None else settings.for_model(self.model)

    # --- the pipeline's steps, with this model and device -----------------------------------------

    def net_output(self, L: torch.Tensor, size: int) -> NetOutput:
        """Full-resolution L (1, H, W) -> the network's output at working size `size`."""
        L_work = pipeline.working_L(L, size, self.model.net.spec.stride)
        try:
            return pipeline.network_output(self.model, L_work, self.device)
        except torch.cuda.OutOfMemoryError as e:
            self._fallback_to_cpu(e)
            return pipeline.network_output(self.model, L_work, self.device)

    def decode(self, out: NetOutput, settings: Settings | None = None) -> torch.Tensor:
        """ab (2, h', w') at the network's resolution, for these settings' temperature."""
        return pipeline.decode(self.model, out, self.resolve(settings).temperature)[0]

    def colorize(self, pixels: np.ndarray, settings: Settings | None = None) -> ColorizeResult:
        """uint8 (H, W) or (H, W, 3) -> colour (H, W, 3) uint8 of the same size."""
        s = self.resolve(settings)
        t0 = time.perf_counter()
        L = pipeline.lightness(pixels)
        out = self.net_output(L, s.size)
        rgb = pipeline.render(L, self.decode(out, s), out, s)
        return ColorizeResult(rgb, is_colour_pixels(pixels), time.perf_counter() - t0, self.choice.label)
