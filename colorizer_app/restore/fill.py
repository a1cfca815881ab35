"""Damaged pixels filled from their surroundings, at the photo's full resolution.

OpenCV's inpainting (Telea's fast marching method, 2004): each masked pixel is filled from the
known pixels around it, weighted toward the direction of the image's lines, from the mask's edge
inward. Only masked pixels change. It was measured against Navier-Stokes inpainting and a small
learned network (docs/training-history.md, "Restoration").
"""

from __future__ import annotations

import cv2
import numpy as np

METHODS = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}


def fill(L: np.ndarray, mask: np.ndarray, radius: float = 3.0, method: str = "telea") -> np.ndarray:
    """L (H, W) float32 in [0, 100], mask (H, W) bool -> L with the masked pixels filled."""
    if method not in METHODS:
        raise ValueError(f"unknown fill method {method!r} (known: {', '.join(METHODS)})")
    if not mask.any():
        return L
    out = cv2.inpaint(np.ascontiguousarray(L, np.float32), mask.astype(np.uint8), float(radius), METHODS[method])
    return np.where(mask, out, L).astype(np.float32)
