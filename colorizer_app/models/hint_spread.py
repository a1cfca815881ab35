"""Hints carried along the photo's own edges, after the network (Levin et al. 2004, on residuals).

The hint-taking network follows a hint where it is and spreads it by what it has learnt; it
often stops short (the red of a hinted umbrella reaching only half of it) or spills a little
onto neighbours. This step takes what is left, the difference between each hint's colour and
the network's colour at that point, and spreads it over the network's output grid by solving

    min_r  sum_(p~q) w_pq |r_p - r_q|^2  +  mu sum_p |r_p|^2  +  LAMBDA sum_hints |r_h - d_h|^2

with w_pq = exp(-(L_p - L_q)^2 / (2 SIGMA^2)) between neighbouring cells and mu = 1 / reach^2:
a correction flows freely where the lightness is even, is stopped by edges, and fades with
distance, so that the photo far from every hint keeps the network's colours. It is added to the
network's ab. One sparse solve on the 1/4 grid (a few thousand cells): tens of milliseconds.

SIGMA and REACH were chosen on the first 120 val photos with 10 hints from the truth, and by eye
on an old scan with hints placed by hand (docs/training-history.md). A long reach scores a little higher when
hints are spread evenly over the photo (REACH 18: +0.08 dB at 10 hints on all of val), and
tints the whole photo with the colour of a single hint when the reach is longer still.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

SIGMA = 4.0  # L* units: a step this big between neighbouring cells passes about 60% of a correction
REACH = 10.0  # cells of an even 36-cell grid (val's 144-pixel photos) over which a correction fades
REFERENCE_CELLS = 36  # the reach scales with the grid, so it is the same share of any photo
LAMBDA = 1e4  # how hard the cells under a hint are held to its colour: all but exactly
HELD_PATCH = 5  # side, in working pixels, of the square under a hint that is held to its colour
NEIGHBOURS = ((0, 1, 1.0), (1, 0, 1.0), (1, 1, 2 ** -0.5), (1, -1, 2 ** -0.5))  # dy, dx, weight


def grid_cell(x: float, y: float, working: tuple[int, int], out_stride: int, grid: tuple[int, int]) -> tuple[int, int]:
    """The (row, col) of the output grid (`grid` cells, padding included) that holds the point
    (x, y), fractions of the photo; `working` is the unpadded working size."""
    return min(grid[0] - 1, int(y * working[0] / out_stride)), min(grid[1] - 1, int(x * working[1] / out_stride))


def hint_footprint(hint, working: tuple[int, int], out_stride: int) -> tuple[slice, slice]:
    """The cells of the output grid under the hint's square of HELD_PATCH working pixels: the
    hint holds its colour over all of them, so that it shows as a patch of its colour rather
    than a dot."""
    r = HELD_PATCH // 2
    spans = []
    for frac, size in ((hint.y, working[0]), (hint.x, working[1])):
        centre = min(size - 1, int(frac * size))
        spans.append(slice(max(0, centre - r) // out_stride, min(size - 1, centre + r) // out_stride + 1))
    return spans[0], spans[1]


def held_cells(hint, guide: np.ndarray, working: tuple[int, int], out_stride: int,
               sigma: float) -> tuple[tuple[slice, slice], np.ndarray]:
    """The cells a hint holds to its colour, and how firmly (0 to 1): those under its square
    fully, the ring around them as far as they are as light as the square is (so not across an
    edge). Held over about 3 x 3 cells rather than the square's 2 x 2, the hint keeps its colour
    through the guided upsampling, which averages over 3 x 3 cells."""
    h, w = guide.shape
    rows, cols = hint_footprint(hint, working, out_stride)
    ring = (slice(max(0, rows.start - 1), min(h, rows.stop + 1)), slice(max(0, cols.start - 1), min(w, cols.stop + 1)))
    firmness = np.exp(-(guide[ring] - guide[rows, cols].mean()) ** 2 / (2 * sigma * sigma))
    firmness[rows.start - ring[0].start: rows.stop - ring[0].start, cols.start - ring[1].start: cols.stop - ring[1].start] = 1.0
    return ring, firmness


def _graph_laplacian(guide: np.ndarray, sigma: float) -> sp.csr_matrix:
    """Edge-aware Laplacian of the 8-connected grid of `guide` (h, w) lightness."""
    h, w = guide.shape
    idx = np.arange(h * w).reshape(h, w)
    rows, cols, vals = [], [], []
    for dy, dx, base in NEIGHBOURS:
        x0, x1 = max(0, -dx), w - max(0, dx)
        p = idx[: h - dy, x0:x1]
        q = idx[dy:, x0 + dx: x1 + dx]
        d = guide[: h - dy, x0:x1] - guide[dy:, x0 + dx: x1 + dx]
        wt = base * np.exp(-d * d / (2 * sigma * sigma))
        rows += [p.ravel(), q.ravel()]
        cols += [q.ravel(), p.ravel()]
        vals += [wt.ravel(), wt.ravel()]
    W = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(h * w, h * w))
    return sp.diags(np.asarray(W.sum(axis=1)).ravel()) - W


def spread_hints(ab: torch.Tensor, guide: torch.Tensor, hints, working: tuple[int, int], out_stride: int,
                 sigma: float = SIGMA, reach: float = REACH) -> torch.Tensor:
    """(2, h, w) ab and (1, h, w) L on the network's output grid -> ab corrected toward `hints`
    (models/hints.py), the corrections spread along L's edges. Without hints: `ab` unchanged."""
    if not hints:
        return ab
    _, h, w = ab.shape
    g = guide.reshape(h, w).double().numpy()
    a = ab.double().numpy()
    diag = np.full((h, w), fade((h, w), reach))
    rhs = np.zeros((2, h, w))
    for hint in hints:
        cells, firmness = held_cells(hint, g, working, out_stride, sigma)
        weight = LAMBDA * firmness
        diag[cells] += weight
        rhs[0][cells] += weight * (hint.a - a[0][cells])
        rhs[1][cells] += weight * (hint.b - a[1][cells])
    lu = factor_system(g, diag.ravel(), sigma)
    correction = lu.solve(rhs.reshape(2, h * w).T)
    return ab + torch.from_numpy(correction.T.reshape(2, h, w)).to(ab.dtype)


def factor_system(guide: np.ndarray, diagonal: np.ndarray, sigma: float = SIGMA):
    """The factors of the spread's system for the (h, w) lightness `guide`: its edge-aware
    Laplacian plus `diagonal` (the fade and the held cells' weights, flat). The system is
    symmetric positive definite: a symmetric fill-reducing order and no pivoting (2x faster)."""
    system = (_graph_laplacian(guide, sigma) + sp.diags(diagonal)).tocsc()
    return spla.splu(system, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})


def fade(grid: tuple[int, int], reach: float = REACH) -> float:
    """mu, the weight that makes a correction fade over `reach` cells of a REFERENCE_CELLS grid."""
    cells = reach * min(grid) / REFERENCE_CELLS
    return 1.0 / (cells * cells)
