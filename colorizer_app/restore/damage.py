"""Damage drawn on a clean photo's lightness, with the mask of what was drawn.

What the detector learns from and what restoration is measured on: cracks (jagged, branching
curves of varying width, mostly bright where the emulsion has flaked off to the paper, some dark),
long thin scratches, blotches, dust specks and folds (a bright crease with a dark shadow beside
it). Each mark is drawn as a soft coverage map and blended into L, so its edges are anti-aliased;
then the whole is "scanned" (a little softness and grain over photo and damage alike), as a real
scan blurs a crack with the picture. Fading, grain and softness are the photo's look, not damage:
the mask leaves them out, so the detector learns not to flag grain.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SHIFT = 4  # cv2 drawing in 1/16 pixel: sub-pixel curves, anti-aliased
MASKED_COVERAGE = 0.35  # a pixel at least this much covered by a mark is damage
VISIBLE_CHANGE = 2.0  # ... if the mark moved it by at least this many L units


@dataclass
class Damaged:
    L: np.ndarray  # float32 (H, W), the damaged lightness in [0, 100]
    mask: np.ndarray  # bool (H, W): damage
    unsure: np.ndarray  # bool (H, W): touched by a mark's soft edge, neither damage nor clean


def _poly(canvas: np.ndarray, pts: np.ndarray, width: float) -> None:
    p = np.round(pts * (1 << SHIFT)).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(canvas, [p], False, 1.0, max(1, int(round(width))), cv2.LINE_AA, SHIFT)


def _crack(canvas: np.ndarray, rng: np.random.Generator, scale: float, start=None, depth: int = 0) -> None:
    """A jagged random walk with a drifting heading and branches, its width changing along it
    (an edge of emulsion flakes off here and there), with a flake now and then."""
    h, w = canvas.shape
    pos = np.array(start if start is not None else (rng.uniform(0, w), rng.uniform(0, h)), dtype=np.float64)
    heading = start_heading = rng.uniform(0, 2 * np.pi)
    length = rng.uniform(0.2, 0.9) * max(h, w) / (1 + depth)
    step = max(2.0, 4.0 * scale)
    width = rng.uniform(0.8, 5.0) * scale / (1 + 0.5 * depth)
    pts = [pos.copy()]
    for _ in range(int(length / step)):
        # jagged: small wiggles, now and then a sharp turn, drawn back to the crack's course
        heading += rng.normal(0, 0.25) + (rng.normal(0, 0.9) if rng.random() < 0.1 else 0.0)
        heading -= 0.15 * (heading - start_heading)
        pos = pos + step * np.array([np.cos(heading), np.sin(heading)])
        pts.append(pos.copy())
        if depth < 2 and rng.random() < 0.03:
            _crack(canvas, rng, scale, pos.copy(), depth + 1)
        if rng.random() < 0.08:  # a flake off the crack's edge
            r = width * rng.uniform(0.8, 2.0)
            cv2.ellipse(canvas, (int(pos[0] * 16), int(pos[1] * 16)), (int(r * 16), int(r * 0.6 * 16)),
                        float(np.degrees(heading)), 0, 360, 1.0, -1, cv2.LINE_AA, SHIFT)
    pts = np.array(pts)
    for i in range(0, len(pts) - 1, 4):  # the width changes every few steps
        _poly(canvas, pts[i:i + 5], max(0.6, width * rng.uniform(0.6, 1.4)))


def _scratch(canvas: np.ndarray, rng: np.random.Generator, scale: float) -> None:
    """A long thin scratch, nearly straight."""
    h, w = canvas.shape
    a = np.array([rng.uniform(0, w), rng.uniform(0, h)])
    angle = rng.uniform(0, 2 * np.pi)
    length = rng.uniform(0.3, 1.2) * max(h, w)
    t = np.linspace(0, 1, 12)[:, None]
    bend = rng.normal(0, 0.02 * length) * np.sin(np.pi * t)
    d = np.array([np.cos(angle), np.sin(angle)])
    n = np.array([-d[1], d[0]])
    _poly(canvas, a + t * length * d + bend * n, rng.uniform(0.6, 2.0) * scale)


def _blotch(canvas: np.ndarray, rng: np.random.Generator, scale: float) -> None:
    """An irregular spot: a polygon of random radii, slightly blurred."""
    h, w = canvas.shape
    c = np.array([rng.uniform(0, w), rng.uniform(0, h)])
    r = rng.uniform(1.5, 9.0) * scale
    k = 9
    ang = np.sort(rng.uniform(0, 2 * np.pi, k))
    rad = r * rng.uniform(0.5, 1.2, k)
    pts = c + np.stack([np.cos(ang) * rad, np.sin(ang) * rad], 1)
    p = np.round(pts * (1 << SHIFT)).astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(canvas, [p], 1.0, cv2.LINE_AA, SHIFT)


def _specks(canvas: np.ndarray, rng: np.random.Generator, scale: float) -> None:
    h, w = canvas.shape
    for _ in range(int(rng.integers(3, 30))):
        c = (int(rng.uniform(0, w) * 16), int(rng.uniform(0, h) * 16))
        cv2.circle(canvas, c, int(rng.uniform(0.5, 1.6) * scale * 16), 1.0, -1, cv2.LINE_AA, SHIFT)


def _blend(L: np.ndarray, cover: np.ndarray, value: np.ndarray | float) -> np.ndarray:
    return L * (1 - cover) + value * cover


def faded(L: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The print's own fading: lower contrast, a lifted or sunk black point. Not damage."""
    out = L.astype(np.float32)
    if rng.random() < 0.5:
        m = out.mean()
        out = m + (out - m) * rng.uniform(0.6, 1.0) + rng.uniform(-8, 8)
    return out


def scanned(L: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The scan of the print, damage and all: a little softness and grain over everything."""
    out = L
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.7:
        out = out + rng.normal(0, rng.uniform(0.5, 5.0), out.shape).astype(np.float32)
    return np.clip(out, 0, 100).astype(np.float32)


def draw_damage(L: np.ndarray, rng: np.random.Generator, amount: float = 1.0, scale: float | None = None,
                look: bool = True) -> Damaged:
    """Damage drawn on L (H, W) in [0, 100]. `amount` scales the number of marks (0: none, only
    the photo's look); `scale` the marks' width in pixels (default: from the photo's size)."""
    h, w = L.shape
    scale = scale if scale is not None else max(1.0, min(h, w) / 256) * rng.uniform(0.7, 1.4)
    base = faded(L, rng) if look else L.astype(np.float32)
    out = base.copy()
    total = np.zeros((h, w), np.float32)
    kinds = (_crack, _crack, _scratch, _blotch, _specks)
    n = int(rng.poisson(3.0 * amount)) if amount > 0 else 0
    for _ in range(n):
        cover = np.zeros((h, w), np.float32)
        kind = kinds[int(rng.integers(len(kinds)))]
        kind(cover, rng, scale)
        fold = kind is _scratch and rng.random() < 0.3
        bright = rng.random() < 0.75
        level = rng.uniform(78, 100) if bright else rng.uniform(2, 25)
        value = level + rng.normal(0, 2.0, (h, w)).astype(np.float32)
        opacity = rng.uniform(0.6, 1.0)
        cover = np.clip(cover, 0, 1) * opacity
        if fold:  # a crease: its shadow, a little offset, under the bright line
            shadow = np.roll(cover, (1, 1), (0, 1))
            out = _blend(out, shadow * 0.6, rng.uniform(5, 25))
            cover = np.maximum(cover, shadow * 0.6)
        out = _blend(out, cover, value)
        total = np.maximum(total, cover)
    out = np.clip(out, 0, 100).astype(np.float32)
    changed = np.abs(out - base) >= VISIBLE_CHANGE
    mask = (total >= MASKED_COVERAGE) & changed
    unsure = (total > 0.05) & ~mask
    return Damaged(scanned(out, rng) if look else out, mask, unsure)
