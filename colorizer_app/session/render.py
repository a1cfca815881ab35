"""One photo's images, made on demand through the results cache: its decoded pixels, its view at
screen resolution, the network's output, previews and full-resolution results, thumbnails.

What is on screen is made at screen resolution (`screen_long_side`); full resolution only for
export and for zooming in past that. A new temperature or vibrance reuses the cached network
output and redoes only decoding and merging. Everything here runs on worker threads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..imaging.io import LoadedImage, load_image
from .cache import ResultsCache
from .models import ModelStore
from .params import Params

THUMBNAIL_SIZE = 96


@dataclass(frozen=True)
class PhotoRef:
    """What a worker needs to know of a photo (the GUI thread owns the `Photo` itself)."""

    id: int
    key: str  # resolved path: cache entries survive removing and adding the photo again
    path: Path


@dataclass(frozen=True)
class ScreenView:
    """The photo's lightness at screen resolution, and the gray image of it that is shown."""

    L: object  # torch (1, h, w)
    gray: np.ndarray  # uint8 (h, w)

    @property
    def nbytes(self) -> int:
        return self.L.numel() * 4 + self.gray.nbytes


@dataclass
class Rendered:
    rgb: np.ndarray  # uint8 (h, w, 3)
    seconds: float  # time spent on this photo, network included when it ran
    device: str
    computed_network: bool


class Renderer:
    """The cache and the models of a session, and the one way to make each image."""

    def __init__(self, cache: ResultsCache, models: ModelStore):
        self.cache = cache
        self.models = models

    # --- the photo ---------------------------------------------------------------------------

    def image(self, ref: PhotoRef) -> LoadedImage:
        return self.cache.get_or_make(("pixels", ref.key), lambda: load_image(ref.path))

    def screen(self, ref: PhotoRef, long_side: int) -> ScreenView:
        def make():
            L = lightness(scaled(self.image(ref).pixels, long_side))
            return ScreenView(L, gray_of(L))

        return self.cache.get_or_make(("screen", ref.key, long_side), make)

    def full_gray(self, ref: PhotoRef) -> np.ndarray:
        pixels = self.image(ref).pixels
        if pixels.ndim == 2:
            return pixels
        return self.cache.get_or_make(("gray", ref.key), lambda: gray_of(lightness(pixels)))

    # --- colour ------------------------------------------------------------------------------

    def network(self, ref: PhotoRef, params: Params, L=None):
        """(NetOutput, colorizer, whether it was computed now)."""
        c = self.models.colorizer(params.model, params.device)
        key = ("net", ref.key, *params.network_key())
        out = self.cache.get(key)
        if out is not None:
            return out, c, False
        if L is None:
            L = lightness(self.image(ref).pixels)
        return self.cache.put(key, c.net_output(L, params.size, params.hints)), c, True

    def render(self, ref: PhotoRef, params: Params, L) -> Rendered:
        """The colour photo at the resolution of `L` (its lightness at some size)."""
        t0 = time.perf_counter()
        out, c, computed = self.network(ref, params)
        rgb = c.render(L, c.decode(out, params.settings()), out, params.settings())
        return Rendered(rgb, time.perf_counter() - t0, c.choice.label, computed)

    def preview(self, ref: PhotoRef, params: Params, long_side: int) -> Rendered:
        key = ("preview", ref.key, params, long_side)
        hit = self.cache.get(key)
        if hit is not None:
            return Rendered(hit, 0.0, "", False)
        r = self.render(ref, params, self.screen(ref, long_side).L)
        self.cache.put(key, r.rgb)
        return r

    def full(self, ref: PhotoRef, params: Params, keep: bool = True) -> Rendered:
        """At the photo's own size: for 100% zoom (kept) and export (not kept: it would push out
        everything else)."""
        key = ("full", ref.key, params)
        hit = self.cache.get(key)
        if hit is not None:
            return Rendered(hit, 0.0, "", False)
        t0 = time.perf_counter()
        L = lightness(self.image(ref).pixels)
        out, c, computed = self.network(ref, params, L)
        rgb = c.render(L, c.decode(out, params.settings()), out, params.settings())
        if keep:
            self.cache.put(key, rgb)
        return Rendered(rgb, time.perf_counter() - t0, c.choice.label, computed)

    def result_thumbnail(self, ref: PhotoRef, params: Params, L=None) -> np.ndarray:
        """The result as a work-list icon, from the lightness at hand (`L`) or from the pixels."""
        if L is None:
            L = lightness(scaled(self.image(ref).pixels, THUMBNAIL_SIZE))
        else:
            L = reduced(L, THUMBNAIL_SIZE)
        return self.render(ref, params, L).rgb

    def forget(self, key: str) -> None:
        """Drop everything cached for the photo with this key."""
        self.cache.discard(lambda k: k[1] == key)


def lightness(pixels: np.ndarray):
    """The photo's L* (1, h, w), its pixel work shared out as the threads setting says."""
    from .. import cpu_threads
    from ..models import pipeline

    return pipeline.lightness(pixels, cpu_threads.pixel_workers(cpu_threads.process_default()))


def scaled(pixels: np.ndarray, long_side: int) -> np.ndarray:
    """The photo reduced (Pillow, area-filtered; it releases the GIL) so its long side is at most
    `long_side`; the photo itself when it is no larger."""
    h, w = pixels.shape[:2]
    if max(h, w) <= long_side:
        return pixels
    s = long_side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.array(Image.fromarray(pixels).resize(size, Image.Resampling.BOX, reducing_gap=None))


def reduced(L, long_side: int):
    """A lightness (1, h, w) area-averaged down to a long side of at most `long_side`."""
    import torch.nn.functional as F

    h, w = L.shape[-2:]
    if max(h, w) <= long_side:
        return L
    s = long_side / max(h, w)
    return F.interpolate(L[None], size=(max(1, round(h * s)), max(1, round(w * s))), mode="area")[0]


def gray_of(L) -> np.ndarray:
    """The gray uint8 image of a lightness (1, h, w): what the model sees, shown as 'before'."""
    import torch

    from ..imaging.lab import lab_to_uint8

    zero_ab = torch.zeros((2, 1, 1), dtype=torch.float32).expand(2, *L.shape[-2:])
    return lab_to_uint8(L, zero_ab)[..., 0].numpy()


def thumbnail_of(pixels: np.ndarray, size: int = THUMBNAIL_SIZE) -> np.ndarray:
    """A small gray (the photo's lightness) or colour uint8 image for the work list."""
    im = Image.fromarray(np.ascontiguousarray(pixels))
    im.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    small = np.array(im)
    if small.ndim == 3:
        small = gray_of(lightness(small))
    return small
