"""Plain backdrops pasted into training photos, with no colour as their truth.

In the pool a featureless area is nearly always sky, so every network learned to paint one blue:
the plain studio backdrops and bare walls of old portraits came out blue-gray
(`scripts/cast_probe.py` measures it). Here a share of the photos get part of their frame replaced
by such a backdrop (an even tone with a slow tilt, soft mottling and grain) around a subject or as
a band along one side, and their target colour there is neutral. The network then has to tell a
sky from a backdrop by what is around it, instead of by the want of detail alone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .degrade import gaussian_blur, uniform_on


def plain_backdrops(L: torch.Tensor, ab: torch.Tensor, p: float,
                    gen: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Copies of L (B, 1, H, W) and ab (B, 2, H, W) with a random share `p` given a plain backdrop."""
    if p <= 0:
        return L, ab
    rand = uniform_on(L.device, gen)
    hit = rand(L.shape[0]) < p
    if not hit.any():
        return L, ab
    x = L[hit]
    n, _, h, w = x.shape
    field = _backdrop(n, h, w, rand, gen, x.device, x.dtype)
    m = _backdrop_mask(n, h, w, rand, x.device, x.dtype)
    L, ab = L.clone(), ab.clone()
    L[hit] = (x * (1 - m) + field * m).clamp(0, 100)
    ab[hit] = ab[hit] * (1 - m)
    return L, ab


def _backdrop(n, h, w, rand, gen, device, dtype) -> torch.Tensor:
    """An even tone of L 20-85 with a tilt of up to +-8, soft mottling of up to 6 and grain of up to 4."""
    yy = torch.linspace(-1, 1, h, device=device, dtype=dtype)[None, None, :, None]
    xx = torch.linspace(-1, 1, w, device=device, dtype=dtype)[None, None, None, :]
    level = 20 + 65 * rand(n, 1, 1, 1)
    tilt = (rand(n, 2, 1, 1) - 0.5) * 16
    coarse = torch.randn(n, 1, 4, 4, generator=gen).to(device, dtype)
    mottling = F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=False) * 6 * rand(n, 1, 1, 1)
    grain = torch.randn(n, 1, h, w, generator=gen).to(device, dtype) * 4 * rand(n, 1, 1, 1)
    return level + tilt[:, :1] * yy + tilt[:, 1:] * xx + mottling + grain


def _backdrop_mask(n, h, w, rand, device, dtype) -> torch.Tensor:
    """1 where the backdrop goes, with soft edges: around a bust-shaped subject, or a band along one side."""
    yy = torch.linspace(0, 1, h, device=device, dtype=dtype)[None, None, :, None]
    xx = torch.linspace(0, 1, w, device=device, dtype=dtype)[None, None, None, :]
    # a subject: an ellipse (the head and shoulders) over a column down to the bottom edge
    cx = 0.3 + 0.4 * rand(n, 1, 1, 1)
    cy = 0.35 + 0.35 * rand(n, 1, 1, 1)
    rx = 0.15 + 0.25 * rand(n, 1, 1, 1)
    ry = 0.2 + 0.3 * rand(n, 1, 1, 1)
    inside = (((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1) | ((yy >= cy) & ((xx - cx).abs() <= rx))
    around = ~inside
    # a band of 25-50% of the frame along the top, bottom, left or right
    depth = 0.25 + 0.25 * rand(n, 1, 1, 1)
    side = (rand(n, 1, 1, 1) * 4).long()
    band = torch.where(side == 0, yy < depth, torch.where(side == 1, yy > 1 - depth,
                       torch.where(side == 2, xx < depth, xx > 1 - depth)))
    m = torch.where(rand(n, 1, 1, 1) < 0.6, around, band).to(dtype)
    m = gaussian_blur(m, 0.5 + 1.5 * rand(n)).clamp(0, 1)
    return torch.where(m < 1e-3, 0.0, m)  # the blur's far tails: the rest of the photo stays exactly as it was
