"""Simulated user hints for training a hint-taking network, after Zhang et al. 2017: a random
number of points (none for a share of the photos, so the net still colours on its own; often
few, sometimes many), each a small square whose colour is the true mean over it.

The planes match models/hints.py: a and b in Lab units where a hint is, 0 elsewhere, and a mask.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

HINT_CHANNELS = 3  # a, b, mask
NONE_SHARE = 0.25  # photos trained with no hint at all: the automatic case stays as good
GEOMETRIC_P = 1 / 8  # otherwise 1, 2, 3... points with P(n) = p (1 - p)^(n - 1): mean 8
MAX_POINTS = 40
PATCH_SIZES = (1, 3, 5, 7)  # the app places 3 x 3 (HINT_PATCH); a spread teaches scale


def hint_counts(batch: int, gen: torch.Generator) -> list[int]:
    u = torch.rand(batch, generator=gen)
    g = torch.rand(batch, generator=gen).clamp_min(1e-12)
    counts = (torch.log(g) / math.log(1 - GEOMETRIC_P)).floor().long() + 1
    counts[u < NONE_SHARE] = 0
    return counts.clamp_max(MAX_POINTS).tolist()


def simulated_hints(ab: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """(B, 2, H, W) true ab -> (B, 3, H, W) hint planes, drawn with the CPU generator `gen`."""
    B, _, H, W = ab.shape
    planes = ab.new_zeros((B, 3, H, W))
    counts = hint_counts(B, gen)
    total = sum(counts)
    if total == 0:
        return planes
    means = {k: F.avg_pool2d(ab.float(), k, 1, k // 2, count_include_pad=False) for k in PATCH_SIZES}
    rows = torch.randint(H, (total,), generator=gen).tolist()
    cols = torch.randint(W, (total,), generator=gen).tolist()
    sizes = torch.randint(len(PATCH_SIZES), (total,), generator=gen).tolist()
    j = 0
    for i, n in enumerate(counts):
        for _ in range(n):
            k, row, col = PATCH_SIZES[sizes[j]], rows[j], cols[j]
            j += 1
            r = k // 2
            sl = (slice(max(0, row - r), row + r + 1), slice(max(0, col - r), col + r + 1))
            planes[i, 0][sl] = means[k][i, 0, row, col]
            planes[i, 1][sl] = means[k][i, 1, row, col]
            planes[i, 2][sl] = 1.0
    return planes
