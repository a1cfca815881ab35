"""`Colorizer`: full-resolution photo in, colour photo of exactly the same size out.

Only ab is predicted, at a working size (short side `size`, aspect kept, padded to the network's
stride and cropped back); it is upsampled to full resolution and merged with the photo's own L,
so detail and size are preserved exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import cpu_threads
from ..defaults import DEFAULT_SIZE, DEFAULT_TEMPERATURE
from ..imaging.lab import lab_to_uint8, lightness_from_uint8
from ..imaging.upsample import bilinear_upsample, guided_upsample
from ..models import registry
from ..models.bins import annealed_mean
from ..models.checkpoint import LoadedModel
from .device import DeviceChoice, choose_device
from .output_check import check_ab
from .torch_threads import torch_threads

BATCH_MAX_PIXELS = 4_000_000  # larger photos are colourised one at a time
UPSAMPLERS = ("guided", "bilinear")  # guided: colour follows the photo's own edges at full size


@dataclass
class ColorizeResult:
    rgb: np.ndarray  # (H, W, 3) uint8, the input's pixel size
    was_colour: bool  # the input had colour; its own L was used and its colours were replaced
    seconds: float
    device: str


def is_colour_array(pixels: np.ndarray) -> bool:
    if pixels.ndim == 2 or pixels.shape[2] == 1:
        return False
    p = pixels[::4, ::4].astype(np.int16)
    spread = np.abs(p[..., 0] - p[..., 1]) + np.abs(p[..., 1] - p[..., 2])
    return bool((spread > 4).mean() > 0.001)


def working_shape(h: int, w: int, size: int, stride: int) -> tuple[int, int]:
    """Short side `size` (never upscaled past the photo), aspect kept."""
    short = max(stride, min(size, min(h, w)))
    scale = short / min(h, w)
    return max(1, round(h * scale)), max(1, round(w * scale))


class Colorizer:
    def __init__(self, model: LoadedModel | str | Path = "classification", device: str = "auto",
                 size: int = DEFAULT_SIZE, temperature: float | None = None, vibrance: float = 1.0,
                 on_warning: Callable[[str], None] | None = None, upsample: str = "guided",
                 threads: int | None = None):
        self.threads = threads  # CPU threads (cpu_threads.py); None: the process default
        self.model = model if isinstance(model, LoadedModel) else registry.load(model)
        self.on_warning = on_warning or (lambda msg: None)
        self.size = int(size)
        self.temperature = (temperature if temperature is not None
                            else float(self.model.meta.get("default_temperature", DEFAULT_TEMPERATURE)))
        self.vibrance = float(vibrance)
        if upsample not in UPSAMPLERS:
            raise ValueError(f"unknown upsampling {upsample!r} (known: {', '.join(UPSAMPLERS)})")
        self.upsample = upsample
        self.set_device(device)

    # --- device ------------------------------------------------------------------------------

    def set_device(self, request: str) -> DeviceChoice:
        choice = choose_device(request)
        if choice.message:
            self.on_warning(choice.message)
        self.choice = choice
        self.device = choice.device
        self.model.net.to(self.device).float().eval()
        return choice

    def _fallback_to_cpu(self, err: Exception) -> None:
        self.on_warning(f"the GPU ran out of memory ({str(err).splitlines()[0]}); continuing on the CPU")
        self.model.net.cpu()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        self.choice = DeviceChoice(torch.device("cpu"), "fell back to the CPU after a GPU out-of-memory error")
        self.device = self.choice.device

    # --- network -----------------------------------------------------------------------------

    @torch.inference_mode()
    def _net_ab(self, L_work: torch.Tensor) -> torch.Tensor:
        """(B, 1, h, w) L at working size -> (B, 2, h', w') ab at the network's output resolution
        (1/out_stride of the input padded to the stride), on the CPU."""
        x = self._padded(L_work).to(self.device)
        if self.device.type == "cuda":
            with torch.autocast("cuda", dtype=torch.float16):
                out = self.model.net(x)
        else:
            out = self.model.net(x)
        out = out.float()
        if self.model.family == "classification":
            out = annealed_mean(out, self.model.bins, self.temperature)
        return out.cpu()

    def _padded(self, L_work: torch.Tensor) -> torch.Tensor:
        stride = self.model.net.spec.stride
        h, w = L_work.shape[-2:]
        ph, pw = (-h) % stride, (-w) % stride
        return F.pad(L_work, (0, pw, 0, ph), mode="replicate") if ph or pw else L_work

    def net_ab(self, L_work: torch.Tensor) -> torch.Tensor:
        try:
            with torch_threads(cpu_threads.network_threads(self._threads())):
                ab = self._net_ab(L_work)
                check_ab(ab, self.model.name, self.temperature if self.model.family == "classification" else None)
        except torch.cuda.OutOfMemoryError as e:
            self._fallback_to_cpu(e)
            return self.net_ab(L_work)
        return ab

    def _threads(self) -> int:
        return cpu_threads.process_default() if self.threads is None else self.threads

    # --- public API ------------------------------------------------------------------------------

    def lightness(self, pixels: np.ndarray) -> torch.Tensor:
        if pixels.dtype != np.uint8:
            raise TypeError("Colorizer expects uint8 pixels (imaging.io.load_image gives them)")
        if pixels.ndim == 3 and pixels.shape[2] == 1:
            pixels = pixels[..., 0]
        return lightness_from_uint8(np.ascontiguousarray(pixels), cpu_threads.pixel_workers(self._threads()))

    def _work_L(self, L: torch.Tensor) -> torch.Tensor:
        h, w = L.shape[-2:]
        wh, ww = working_shape(h, w, self.size, self.model.net.spec.stride)
        if (wh, ww) == (h, w):
            return L[None]
        with torch_threads(cpu_threads.network_threads(self._threads())):
            return F.interpolate(L[None], size=(wh, ww), mode="bilinear", align_corners=False, antialias=True)

    def upsample_ab(self, L: torch.Tensor, L_work: torch.Tensor, ab_low: torch.Tensor) -> torch.Tensor:
        """Network-resolution ab -> (2, H, W) at the photo's size; L_work is (1, 1, h, w)."""
        H, W = L.shape[-2:]
        h, w = L_work.shape[-2:]
        f = self.model.net.spec.out_stride
        scale = (f * H / h, f * W / w)
        with torch_threads(cpu_threads.network_threads(self._threads())):
            if self.upsample == "bilinear":
                return bilinear_upsample(ab_low, (H, W), scale)
            guide_low = F.avg_pool2d(self._padded(L_work), f)[0]
            return guided_upsample(ab_low, guide_low, L, scale)

    def _finish(self, L: torch.Tensor, L_work: torch.Tensor, ab_low: torch.Tensor) -> np.ndarray:
        ab = self.upsample_ab(L, L_work, ab_low)
        if self.vibrance != 1.0:
            ab.mul_(self.vibrance)
        return lab_to_uint8(L, ab, cpu_threads.pixel_workers(self._threads())).numpy()

    def colorize(self, pixels: np.ndarray) -> ColorizeResult:
        """uint8 (H, W) or (H, W, 3) -> colour (H, W, 3) uint8 of the same size."""
        t0 = time.perf_counter()
        L = self.lightness(pixels)
        L_work = self._work_L(L)
        rgb = self._finish(L, L_work, self.net_ab(L_work)[0])
        return ColorizeResult(rgb, is_colour_array(pixels), time.perf_counter() - t0, self.choice.label)

    def colorize_many(self, images: Sequence[np.ndarray], batch: int = 8,
                      should_stop: Callable[[], bool] | None = None) -> Iterable[ColorizeResult]:
        """Results in input order. Small photos whose working sizes match share one network call;
        photos over BATCH_MAX_PIXELS go alone, so memory stays that of one photo."""
        pending: tuple[int, torch.Tensor, torch.Tensor] | None = None
        i = 0
        while i < len(images) or pending:
            if should_stop and should_stop():
                return
            t0 = time.perf_counter()
            group = [pending] if pending else []
            pending = None
            while i < len(images) and len(group) < batch:
                L = self.lightness(images[i])
                item = (i, L, self._work_L(L))
                i += 1
                if group and (item[2].shape != group[0][2].shape or L[0].numel() > BATCH_MAX_PIXELS
                              or group[0][1][0].numel() > BATCH_MAX_PIXELS):
                    pending = item
                    break
                group.append(item)
            abs_ = self.net_ab(torch.cat([w for _, _, w in group]))
            per = (time.perf_counter() - t0) / len(group)
            for (k, L, L_work), ab in zip(group, abs_):
                t1 = time.perf_counter()
                rgb = self._finish(L, L_work, ab)
                yield ColorizeResult(rgb, is_colour_array(images[k]), per + time.perf_counter() - t1,
                                     self.choice.label)
