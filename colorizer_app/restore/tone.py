"""Grain reduction and faded contrast lifted: options, off by default, since a photo's grain and
its soft tones are often what the photographer meant."""

from __future__ import annotations

import cv2
import numpy as np

CONTRAST_PERCENTILES = (0.5, 99.5)  # the darkest and lightest tones that set the new range
CONTRAST_RANGE = (3.0, 97.0)  # where they go, in L: a little short of pure black and white
MIN_SPAN = 20.0  # a photo whose tones span less than this (nearly flat) is stretched no further


def grain_level(L: np.ndarray) -> float:
    """The grain's standard deviation in L units, from the median absolute Laplacian (a robust
    estimate that edges barely move), on a central crop so a 12 MP photo costs little."""
    h, w = L.shape
    c = L[max(0, h // 2 - 512):h // 2 + 512, max(0, w // 2 - 512):w // 2 + 512]
    lap = cv2.Laplacian(np.ascontiguousarray(c, np.float32), cv2.CV_32F)
    return float(np.median(np.abs(lap)) / (0.6745 * np.sqrt(20.0)))


def reduce_grain(L: np.ndarray) -> np.ndarray:
    """Non-local means (OpenCV), its strength set by the grain measured on the photo. It runs on
    8-bit gray levels; only its change is added back to L, so the rest keeps its precision."""
    sigma8 = grain_level(L) * 2.55
    h = float(np.clip(1.1 * sigma8, 2.0, 20.0))
    q = np.clip(np.round(L * 2.55), 0, 255).astype(np.uint8)
    den = cv2.fastNlMeansDenoising(q, None, h, 5, 11)
    return np.clip(L + (den.astype(np.float32) - q.astype(np.float32)) / 2.55, 0, 100).astype(np.float32)


def lift_contrast(L: np.ndarray) -> np.ndarray:
    """Tones stretched so that the darkest and lightest (CONTRAST_PERCENTILES) reach at least
    CONTRAST_RANGE: a faded end is pulled out, an end already there stays (never compressed)."""
    lo, hi = (float(v) for v in np.percentile(L[::4, ::4], CONTRAST_PERCENTILES))
    if hi - lo < MIN_SPAN:
        return L
    to_lo, to_hi = min(lo, CONTRAST_RANGE[0]), max(hi, CONTRAST_RANGE[1])
    if (to_lo, to_hi) == (lo, hi):
        return L
    return np.clip(to_lo + (L - lo) * ((to_hi - to_lo) / (hi - lo)), 0, 100).astype(np.float32)
