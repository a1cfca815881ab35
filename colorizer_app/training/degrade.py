"""The damage old scans carry, simulated on the lightness fed to the network during training.

Only the input L is degraded; the target colours stay clean, so a faded, grainy, blurred or
scratched scan learns to colour like a clean photo. Everything runs in torch on the batch
(on whatever device it lives on), per photo with its own random strengths.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def gaussian_blur(L: torch.Tensor, sigma: torch.Tensor, radius: int = 3) -> torch.Tensor:
    """Separable Gaussian blur of (B, 1, H, W) with a per-photo sigma (0 leaves the photo as it is)."""
    x = torch.arange(-radius, radius + 1, device=L.device, dtype=L.dtype)
    s = sigma.clamp_min(1e-3)[:, None]
    k = torch.exp(-0.5 * (x[None] / s) ** 2)
    k = k / k.sum(1, keepdim=True)  # (B, 7)
    b = L.shape[0]
    grouped = L.reshape(1, b, *L.shape[-2:])
    grouped = F.pad(grouped, (radius, radius, radius, radius), mode="reflect")
    grouped = F.conv2d(grouped, k[:, None, None, :], groups=b)
    grouped = F.conv2d(grouped, k[:, None, :, None], groups=b)
    return grouped.reshape_as(L)


def uniform_on(device, gen: torch.Generator | None):
    """rand(*shape): uniform numbers drawn from `gen` (a CPU generator), moved to `device`."""
    return lambda *shape: torch.rand(*shape, generator=gen).to(device)


def _on_a_share(L: torch.Tensor, p: float, gen: torch.Generator | None, damage) -> torch.Tensor:
    """A copy of L with `damage(x, rand, gen)` applied to a random share `p` of the photos, clamped to [0, 100]."""
    if p <= 0:
        return L
    rand = uniform_on(L.device, gen)
    hit = rand(L.shape[0]) < p
    if not hit.any():
        return L
    out = L.clone()
    out[hit] = damage(out[hit], rand, gen).clamp(0, 100)
    return out


def degrade_lightness(L: torch.Tensor, p: float, gen: torch.Generator | None = None) -> torch.Tensor:
    """A copy of L (B, 1, H, W, in [0, 100]) with a random share `p` of the photos damaged."""
    return _on_a_share(L, p, gen, _scan_damage)


def _scan_damage(x: torch.Tensor, rand, gen: torch.Generator | None) -> torch.Tensor:
    n, _, h, w = x.shape
    dev = x.device
    # blur (soft focus, a scan of a print), sigma 0..1.5 pixels, on about half
    sigma = rand(n) * 1.5 * (rand(n) < 0.5)
    x = torch.where((sigma > 0.05)[:, None, None, None], gaussian_blur(x, sigma), x)
    # faded contrast and a lifted or sunk black point
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    contrast = 0.55 + 0.45 * rand(n, 1, 1, 1)
    shift = (rand(n, 1, 1, 1) - 0.5) * 20
    x = mean + (x - mean) * contrast + shift
    # film grain, 0..6 L units, on about two thirds
    grain = rand(n, 1, 1, 1) * 6 * (rand(n, 1, 1, 1) < 0.66)
    noise = torch.randn(n, 1, h, w, generator=gen).to(dev)
    x = x + grain * noise
    # a few scratches: thin bright or dark vertical-ish lines, on about a quarter
    for i in range(n):
        if rand(1).item() < 0.25:
            for _ in range(int(rand(1).item() * 3) + 1):
                col = int(rand(1).item() * (w - 1))
                top = int(rand(1).item() * h / 2)
                length = int(h / 4 + rand(1).item() * h / 2)
                value = 95.0 if rand(1).item() < 0.7 else 10.0
                x[i, :, top:top + length, col] = value
    return x


def print_damage(L: torch.Tensor, p: float, gen: torch.Generator | None = None) -> torch.Tensor:
    """A copy of L with a random share `p` of the photos given the damage of an old print.

    Cracks that wander across the emulsion in any direction, light that falls unevenly across the
    sheet, and dark vignettes. Old scans carry these where the pool's photos never do, and the
    networks took their flat, cracked backgrounds for sky or fabric (blue-gray casts, red patches).
    """
    return _on_a_share(L, p, gen, _print_damage)


def _print_damage(x: torch.Tensor, rand, gen: torch.Generator | None) -> torch.Tensor:
    n, _, h, w = x.shape
    dev = x.device
    yy = torch.linspace(-1, 1, h, device=dev)[None, None, :, None]
    xx = torch.linspace(-1, 1, w, device=dev)[None, None, None, :]
    # uneven light: a tilted plane of up to +-12 L units, on about half
    tilt = (rand(n, 2, 1, 1) - 0.5) * 24 * (rand(n, 1, 1, 1) < 0.5)
    x = x + tilt[:, :1] * yy + tilt[:, 1:] * xx
    # a vignette darkening the corners by up to 60% of the light, on about a third
    strength = rand(n, 1, 1, 1) * 0.6 * (rand(n, 1, 1, 1) < 0.33)
    x = x * (1 - strength * ((xx ** 2 + yy ** 2) / 2).clamp(max=1) ** 1.5)
    # cracks: 1-5 wandering lines, mostly bright (the paper under the emulsion), on about half
    for i in range(n):
        if rand(1).item() >= 0.5:
            continue
        for _ in range(int(rand(1).item() * 5) + 1):
            steps = int((0.3 + 0.7 * rand(1).item()) * max(h, w))
            angle = rand(1) * math.tau + torch.cumsum((rand(steps) - 0.5) * 0.6, 0)
            py = (rand(1) * h + torch.cumsum(torch.sin(angle), 0)).long()
            px = (rand(1) * w + torch.cumsum(torch.cos(angle), 0)).long()
            inside = (py >= 0) & (py < h) & (px >= 0) & (px < w)
            value = 90.0 + 10 * rand(1).item() if rand(1).item() < 0.75 else 5.0 + 10 * rand(1).item()
            x[i, 0, py[inside], px[inside]] = value
    return x
