"""Restoration of a photo's lightness, the one way the engine, the app and the CLI do it:

    L -> damage found (the detector, at most DETECT_SIDE px) -> mask at L's size, brush strokes
      -> masked pixels filled (fill.py) -> grain reduced (option) -> contrast lifted (option)

Damage is found before grain is reduced, since smoothing would blur a thin crack into the photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .detector import Detector, bundled_detector
from .fill import fill
from .mask import damage_mask, find_damage
from .options import Restore
from .tone import lift_contrast, reduce_grain

FILL_RADIUS = 3.0  # pixels around a masked one that fill it, at the detector's size


@dataclass
class Restored:
    L: torch.Tensor  # (1, H, W) float32
    mask: np.ndarray  # bool (H, W): the pixels that were filled


def restore_lightness(L: torch.Tensor, options: Restore, odds: torch.Tensor | None = None,
                      detector: Detector | None = None, method: str = "telea") -> Restored:
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
        scale = max(1.0, max(h, w) / max(odds.shape[-2:]))
        x = fill(x, mask, FILL_RADIUS * scale, method)
    if options.denoise:
        x = reduce_grain(x)
    if options.contrast:
        x = lift_contrast(x)
    return Restored(torch.from_numpy(np.ascontiguousarray(x, np.float32))[None], mask)
