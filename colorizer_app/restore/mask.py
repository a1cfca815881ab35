"""The damage mask at any resolution: the detector's odds at its own size, thresholded, wide areas
left out, widened by a pixel (a mark's soft edge is damage too), then brought to the size asked
for, with the user's brush strokes drawn on it in order (an erase after an add takes pixels out).

Wide areas are left out because what the detector takes for a wide flake is far more often a white
collar, a bow or a highlight, and a fill from the surroundings cannot invent what a wide area held
anyway: real damage that wide is for the brush.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .detector import DETECT_SIDE, Detector, bundled_detector
from .options import Stroke

WIDE_SHARE = 0.012  # parts of the mask wider than about twice this share of the long side are left out
MIN_WIDE_RADIUS = 3  # pixels at the detector's size


def without_wide_areas(found: np.ndarray) -> np.ndarray:
    """uint8 mask without its wide parts (what an opening with a disc keeps) and a margin around
    them, so a white collar is not filled while a crack running into it mostly is."""
    r = max(MIN_WIDE_RADIUS, round(WIDE_SHARE * max(found.shape)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    wide = cv2.morphologyEx(found, cv2.MORPH_OPEN, disc)
    if not wide.any():
        return found
    margin = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 5, 2 * r + 5))
    return found & (1 - cv2.dilate(wide, margin))


def detection_size(h: int, w: int, side: int = DETECT_SIDE) -> tuple[int, int]:
    s = min(1.0, side / max(h, w))
    return max(1, round(h * s)), max(1, round(w * s))


def detection_L(L: torch.Tensor, side: int = DETECT_SIDE) -> torch.Tensor:
    """L (1, H, W) brought down (area average) to at most `side` on its long side."""
    h, w = L.shape[-2:]
    size = detection_size(h, w, side)
    if size == (h, w):
        return L
    return F.interpolate(L[None].float(), size=size, mode="area")[0]


def find_damage(L: torch.Tensor, detector: Detector | None = None) -> torch.Tensor:
    """The odds (1, h, w) that each pixel is damage, at the detector's size, for L (1, H, W) of
    the photo at any size (the full photo gives the same answer every time: the app caches it)."""
    detector = detector or bundled_detector()
    side = int(detector.meta.get("detect_side", DETECT_SIDE))
    return detector.probability(detection_L(L, side))


def draw_strokes(mask: np.ndarray, strokes: tuple[Stroke, ...]) -> np.ndarray:
    """The mask (H, W) bool with the strokes drawn on it, oldest first."""
    if not strokes:
        return mask
    h, w = mask.shape
    canvas = mask.astype(np.uint8)
    for s in strokes:
        r = max(1, round(s.radius * max(h, w)))
        pts = np.array([[x * w, y * h] for x, y in s.points], np.float64)
        value = 0 if s.erase else 1
        p = np.round(pts * 16).astype(np.int32)
        for x, y in p:
            cv2.circle(canvas, (int(x), int(y)), r * 16, value, -1, cv2.LINE_8, 4)
        if len(p) > 1:
            cv2.polylines(canvas, [p.reshape(-1, 1, 2)], False, value, 2 * r + 1, cv2.LINE_8, 4)
    return canvas.astype(bool)


def damage_mask(odds: torch.Tensor | None, shape: tuple[int, int], threshold: float = 0.5,
                strokes: tuple[Stroke, ...] = ()) -> np.ndarray:
    """bool (H, W): the found damage (none when `odds` is None) at `shape`, brush strokes drawn."""
    h, w = shape
    if odds is None:
        mask = np.zeros((h, w), bool)
    else:
        found = without_wide_areas((odds[0].numpy() >= threshold).astype(np.uint8))
        found = cv2.dilate(found, np.ones((3, 3), np.uint8))
        if found.shape != (h, w):
            # larger: bilinear; smaller: an area average, so a crack thinner than the new pixels stays
            shrink = h < found.shape[0]
            resized = F.interpolate(torch.from_numpy(found).float()[None, None], size=(h, w),
                                    mode="area" if shrink else "bilinear", **({} if shrink else {"align_corners": False}))
            found = (resized[0, 0] >= 0.25).numpy()
        mask = found.astype(bool)
    return draw_strokes(mask, strokes)
