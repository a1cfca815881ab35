"""Quantised ab space for the classification family: bins, soft targets, rebalancing, decoding.

Rule for the bins: the ab plane is cut into a 10x10 grid centred on multiples of 10; a bin is
kept when some 8-bit sRGB colour has its (a, b) inside that cell. That gives the "in-gamut"
set (the rule of Zhang et al. 2016, computed here rather than typed in).
"""

from __future__ import annotations

import functools

import torch

from ..imaging.lab import rgb_to_lab

GRID = 10.0
SOFT_NEIGHBOURS = 5
SOFT_SIGMA = 5.0
PRIOR_SIGMA = 5.0
REBALANCE_LAMBDA = 0.5
HEAD_SIGMA = 10.0  # width of the bin distribution a head turned from an ab head starts with


@functools.lru_cache(maxsize=1)
def gamut_bins(grid: float = GRID) -> torch.Tensor:
    """(Q, 2) float32 ab centres of the in-gamut bins, sorted by a then b."""
    # every 3rd level: the same 261 bins as all 16.7 M colours, in under a second
    levels = torch.arange(0, 256, 3, dtype=torch.float32) / 255.0
    r, g, b = torch.meshgrid(levels, levels, levels, indexing="ij")
    rgb = torch.stack((r, g, b)).reshape(3, 1, -1)
    lab = rgb_to_lab(rgb).reshape(3, -1)
    cells = torch.round(lab[1:] / grid).to(torch.int64).T
    cells = torch.unique(cells, dim=0)  # sorted lexicographically
    return cells.float() * grid


def nearest_bins(ab: torch.Tensor, centres: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """ab (N, 2) -> squared distances and indices of the k nearest bin centres, each (N, k)."""
    d2 = torch.cdist(ab.float(), centres.float()).square_()
    dist, idx = torch.topk(d2, k, dim=1, largest=False)
    return dist, idx


def soft_encode(ab: torch.Tensor, centres: torch.Tensor, k: int = SOFT_NEIGHBOURS,
                sigma: float = SOFT_SIGMA) -> tuple[torch.Tensor, torch.Tensor]:
    """ab (B, 2, H, W) -> soft targets (B, Q, H, W) on the k nearest bins (Gaussian weights), and
    the index of the nearest bin (B, H, W) used to look up rebalancing weights."""
    b, _, h, w = ab.shape
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2)
    d2, idx = nearest_bins(flat, centres, k)
    wts = torch.softmax(-d2 / (2 * sigma**2), dim=1)
    target = torch.zeros(flat.shape[0], centres.shape[0], dtype=torch.float32, device=ab.device)
    target.scatter_(1, idx, wts)
    target = target.reshape(b, h, w, -1).permute(0, 3, 1, 2)
    return target, idx[:, 0].reshape(b, h, w)


def smooth_prior(counts: torch.Tensor, centres: torch.Tensor, sigma: float = PRIOR_SIGMA) -> torch.Tensor:
    """Empirical bin histogram -> probability distribution smoothed with a Gaussian over the ab plane."""
    p = counts.double() / counts.sum().clamp_min(1)
    kernel = torch.exp(-torch.cdist(centres.double(), centres.double()).square() / (2 * sigma**2))
    p = kernel @ p
    return (p / p.sum()).float()


def rebalance_weights(prior: torch.Tensor, lam: float = REBALANCE_LAMBDA) -> torch.Tensor:
    """w ~ ((1 - lam) p + lam / Q)^-1, scaled so that E_p[w] = sum p w = 1."""
    q = prior.numel()
    w = 1.0 / ((1.0 - lam) * prior.double() + lam / q)
    w = w / (prior.double() * w).sum()
    return w.float()


def bin_histogram(ab: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Counts of pixels per nearest bin; ab (B, 2, H, W)."""
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2)
    _, idx = nearest_bins(flat, centres, 1)
    return torch.bincount(idx[:, 0], minlength=centres.shape[0]).double()


def annealed_mean(logits: torch.Tensor, centres: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits (B, Q, H, W) -> ab (B, 2, H, W): expectation over bin centres of softmax(logits / T).

    T = 1 is the plain mean, T -> 0 the mode; T <= 1e-4 is treated as the mode exactly.
    """
    centres = centres.to(device=logits.device, dtype=torch.float32)
    logits = logits.float()
    if temperature <= 1e-4:
        idx = logits.argmax(dim=1)
        return centres[idx].permute(0, 3, 1, 2)
    probs = torch.softmax(logits / temperature, dim=1)
    return torch.einsum("bqhw,qc->bchw", probs, centres)


def binned_head(weight: torch.Tensor, bias: torch.Tensor, centres: torch.Tensor, ab_scale: float,
                sigma: float = HEAD_SIGMA) -> tuple[torch.Tensor, torch.Tensor]:
    """A 1x1 head giving ab (weight (2, C, 1, 1) and bias (2,), its output times ab_scale) turned
    into one giving bin logits whose softmax is a Gaussian of width sigma around that ab.

    So a classification net can start from a trained regression net and, at first, decode to the
    same colours. It is exact because log N(c; ab, sigma) = (ab . c - |c|^2 / 2) / sigma^2 plus a
    term that is the same for every bin, and ab . c is linear in the features.
    """
    c = centres.double()
    k = ab_scale / sigma**2
    w = k * (c @ weight.double().flatten(1))
    b = k * (c @ bias.double()) - c.square().sum(1) / (2 * sigma**2)
    return w.reshape(c.shape[0], -1, 1, 1).float(), b.float()
