"""Restoration of a photo's lightness, the one way the engine, the app and the CLI do it:

    L -> damage found (the detector, at most DETECT_SIDE px) -> mask at L's size, brush strokes
      -> masked pixels filled (fill.py; a large photo's fill made at FILL_SIDE and brought up)
      -> grain reduced (option) -> contrast lifted (option)

Damage is found before grain is reduced, since smoothing would blur a thin crack into the photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from .detector import Detector, bundled_detector
from .fill import DEFAULT_METHOD, fill
from .mask import damage_mask, find_damage
from .options import Restore
from .tone import lift_contrast, reduce_grain

FILL_RADIUS = 3.0  # pixels around a masked one that fill it, at the detector's size
FILL_SIDE = 2048  # a larger photo is filled at this size (long side) and the fill brought up: the
#                   fill is smooth at any size, and its time grows with the pixels it fills


def filled(L: np.ndarray, mask: np.ndarray, detected_side: int, method: str = DEFAULT_METHOD) -> np.ndarray:
    """L with the masked pixels filled; above FILL_SIDE, the fill is made on a smaller copy (its
    mask covering every pixel a mark touches) and only the masked pixels take it, brought up."""
    h, w = L.shape
    if not mask.any():
        return L
    if max(h, w) <= FILL_SIDE:
        return fill(L, mask, FILL_RADIUS * max(1.0, max(h, w) / detected_side), method)
    s = FILL_SIDE / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    small = cv2.resize(L, size, interpolation=cv2.INTER_AREA)
    small_mask = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    done = fill(small, small_mask, FILL_RADIUS * max(1.0, FILL_SIDE / detected_side), method)
    up = cv2.resize(done, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.where(mask, up, L).astype(np.float32)


@dataclass
class Restored:
    L: torch.Tensor  # (1, H, W) float32
    mask: np.ndarray  # bool (H, W): the pixels that were filled


def restore_lightness(L: torch.Tensor, options: Restore, odds: torch.Tensor | None = None,
                      detector: Detector | None = None, method: str = DEFAULT_METHOD) -> Restored:
    """L (1, H, W) in [0, 100] restored as `options` say. `odds`: the detector's answer for this
    photo (find_damage), when the caller keeps it; else it is found on L itself. `method`: how
    the damage is filled (fill.py)."""
    h, w = L.shape[-2:]
    x = L[0].float().cpu().numpy()
    mask = np.zeros((h, w), bool)
    if options.repair:
        detector = detector or bundled_detector()
        if odds is None:
            odds = find_damage(L, detector)
        mask = damage_mask(odds, (h, w), detector.threshold, options.strokes)
        x = filled(x, mask, max(odds.shape[-2:]), method)
    if options.denoise:
        x = reduce_grain(x)
    if options.contrast:
        x = lift_contrast(x)
    return Restored(torch.from_numpy(np.ascontiguousarray(x, np.float32))[None], mask)
