"""Colour from a low resolution up to the photo's own size, along the photo's own edges.

Bilinear upsampling of ab from a quarter of the working size lets colour spill several pixels
across sharp edges at full resolution (a halo round a bird, sky bleeding into a roof). The fast
guided filter (He & Sun 2015) fits, in each small window of the low-resolution result, colour as
a linear function of lightness, a = A * L + b, and applies that fit at full resolution with the
photo's own L: where L has an edge, the colour changes on the edge; where colour does not follow
lightness, A falls to 0 and the result is the plain smooth colour.

`scale` is the number of full-resolution pixels per low-resolution pixel (y, x). The low grid may
reach past the photo's bottom and right edges (the network pads its input to its stride); pixel
centres are mapped exactly and the overhang is cropped.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

GUIDE_RADIUS = 1  # window radius at the low resolution (3x3), about 12 working pixels across
GUIDE_EPS = 0.01  # regularisation, in (L / 100)^2: larger keeps A near 0 in flat regions


def _box(x: torch.Tensor, r: int) -> torch.Tensor:
    """Window mean with edge replication, same size; x is (C, h, w)."""
    return F.avg_pool2d(F.pad(x[None], (r, r, r, r), mode="replicate"), 2 * r + 1, stride=1)[0]


def bilinear_upsample(low: torch.Tensor, size: tuple[int, int], scale: tuple[float, float]) -> torch.Tensor:
    """(C, h, w) -> (C, H, W), pixel centres mapped by `scale`, overhang cropped."""
    H, W = size
    up = F.interpolate(low[None].float(), scale_factor=scale, mode="bilinear", align_corners=False,
                       recompute_scale_factor=False)[0]
    if up.shape[-2] < H or up.shape[-1] < W:  # rounding: the low grid fell a pixel short
        up = F.pad(up[None], (0, max(0, W - up.shape[-1]), 0, max(0, H - up.shape[-2])), mode="replicate")[0]
    return up[:, :H, :W]


def guided_upsample(ab_low: torch.Tensor, guide_low: torch.Tensor, L_full: torch.Tensor,
                    scale: tuple[float, float], radius: int = GUIDE_RADIUS, eps: float = GUIDE_EPS) -> torch.Tensor:
    """(2, h, w) ab, (1, h, w) L on the same low grid, (1, H, W) full L -> (2, H, W) ab."""
    H, W = L_full.shape[-2:]
    g = guide_low.float() / 100.0
    p = ab_low.float()
    mean_i = _box(g, radius)
    mean_p = _box(p, radius)
    var_i = _box(g * g, radius) - mean_i * mean_i
    cov_ip = _box(g * p, radius) - mean_i * mean_p
    A = cov_ip / (var_i + eps)
    b = mean_p - A * mean_i
    coeffs = _box(torch.cat((A / 100.0, b)), radius)  # (4, h, w): A_a, A_b per L unit, b_a, b_b
    out = torch.empty((2, H, W), dtype=torch.float32)
    guide = L_full[0].float()
    for c in range(2):  # one channel at a time: two full-size planes at once, not four
        up = bilinear_upsample(coeffs[c::2].contiguous(), (H, W), scale)
        torch.addcmul(up[1], up[0], guide, out=out[c])
    return out
