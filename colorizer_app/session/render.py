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
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ..imaging.io import LoadedImage, load_image
from .cache import ResultsCache
from .models import ModelStore
from .params import Params

if TYPE_CHECKING:
    from ..restore.options import Restore

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

    def full_gray(self, ref: PhotoRef, restore: "Restore | None" = None) -> np.ndarray:
        """The gray photo at its own size: restored, when it is to be."""
        pixels = self.image(ref).pixels
        if restore is not None and restore.active:
            return self.cache.get_or_make(("gray", ref.key, restore),
                                          lambda: gray_of(self.restored(ref, restore, lightness(pixels))))
        if pixels.ndim == 2:
            return pixels
        return self.cache.get_or_make(("gray", ref.key), lambda: gray_of(lightness(pixels)))

    # --- colour ------------------------------------------------------------------------------

    # --- restoration ---------------------------------------------------------------------------

    def damage(self, ref: PhotoRef):
        """The detector's odds of damage (restore/mask.py), found once per photo at its size."""
        from ..restore.detector import DETECT_SIDE
        from ..restore.mask import find_damage

        return self.cache.get_or_make(("damage", ref.key), lambda: find_damage(self.screen(ref, DETECT_SIDE).L))

    def restored(self, ref: PhotoRef, restore: "Restore | None", L, size=None):
        """`L` (the photo's lightness at some size) restored as `restore` says; `size`: its (h, w),
        under which the result is kept (None: made, not kept)."""
        if restore is None or not restore.active:
            return L
        from ..restore.restore import restore_lightness

        make = lambda: restore_lightness(L, restore, self.damage(ref) if restore.repair else None).L  # noqa: E731
        return make() if size is None else self.cache.get_or_make(("restored", ref.key, size, restore), make)

    def damage_mask(self, ref: PhotoRef, restore: "Restore", long_side: int) -> np.ndarray:
        """bool (h, w): the pixels restoration fills on screen (found, and the brush's edits)."""
        from ..restore.detector import bundled_detector
        from ..restore.mask import damage_mask

        shape = tuple(self.screen(ref, long_side).L.shape[-2:])
        odds = self.damage(ref) if restore.repair else None
        return damage_mask(odds, shape, bundled_detector().threshold, restore.strokes if restore.repair else ())

    def before(self, ref: PhotoRef, restore: "Restore | None", long_side: int) -> np.ndarray:
        """The gray photo on screen: restored, when it is to be."""
        view = self.screen(ref, long_side)
        if restore is None or not restore.active:
            return view.gray
        return self.cache.get_or_make(("before", ref.key, long_side, restore),
                                      lambda: gray_of(self.restored(ref, restore, view.L, tuple(view.L.shape[-2:]))))

    def network_L(self, ref: PhotoRef, params: Params, L=None):
        """The lightness the network is given: restored at the detector's size when the photo is
        restored (larger would change nothing at the working size), else `L` or the photo's own."""
        if params.restore is not None and params.restore.active:
            from ..restore.detector import DETECT_SIDE

            view = self.screen(ref, DETECT_SIDE).L
            return self.restored(ref, params.restore, view, tuple(view.shape[-2:]))
        return L if L is not None else lightness(self.image(ref).pixels)

    # --- colour ------------------------------------------------------------------------------

    def network(self, ref: PhotoRef, params: Params, L=None):
        """(NetOutput, colorizer, whether it was computed now)."""
        c = self.models.colorizer(params.model, params.device)
        key = ("net", ref.key, *params.network_key())
        out = self.cache.get(key)
        if out is not None:
            return out, c, False
        return self.cache.put(key, c.net_output(self.network_L(ref, params, L), params.size, params.hints)), c, True

    def render(self, ref: PhotoRef, params: Params, L) -> Rendered:
        """The colour photo at the resolution of `L` (its lightness at some size, as it is: it is
        restored here when the photo is)."""
        t0 = time.perf_counter()
        out, c, computed = self.network(ref, params)
        L = self.restored(ref, params.restore, L, tuple(L.shape[-2:]))
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
        L = self.restored(ref, params.restore, L)
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
    from ..imaging.lab import gray_uint8

    return gray_uint8(L)


def thumbnail_of(pixels: np.ndarray, size: int = THUMBNAIL_SIZE) -> np.ndarray:
    """A small gray (the photo's lightness) or colour uint8 image for the work list."""
    im = Image.fromarray(np.ascontiguousarray(pixels))
    im.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    small = np.array(im)
    if small.ndim == 3:
        small = gray_of(lightness(small))
    return small
