"""Damaged pixels filled from their surroundings, at the photo's full resolution.

OpenCV's inpainting, by default its Navier-Stokes method (Bertalmio, Bertozzi and Sapiro, 2001):
the picture's lines of equal lightness are carried into the masked pixels from the mask's edge, as
a fluid's flow would carry them. Only masked pixels change. Telea's fast marching method (2004) and
a small network trained on the pool were measured against it: NS was the best on photos of other
origins and the fastest; the network was up to 0.6 dB better on the pool's own photos at 15 to 30
times the time (docs/training-history.md, "Repairing old prints").
"""

from __future__ import annotations

import cv2
import numpy as np

METHODS = {"ns": cv2.INPAINT_NS, "telea": cv2.INPAINT_TELEA}
DEFAULT_METHOD = "ns"


def fill(L: np.ndarray, mask: np.ndarray, radius: float = 3.0, method: str = DEFAULT_METHOD) -> np.ndarray:
    """L (H, W) float32 in [0, 100], mask (H, W) bool -> L with the masked pixels filled."""
    if method not in METHODS:
        raise ValueError(f"unknown fill method {method!r} (known: {', '.join(METHODS)})")
    if not mask.any():
        return L
    out = cv2.inpaint(np.ascontiguousarray(L, np.float32), mask.astype(np.uint8), float(radius), METHODS[method])
    return np.where(mask, out, L).astype(np.float32)
