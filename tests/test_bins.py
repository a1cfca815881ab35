"""The quantised ab space: in-gamut bins, soft targets, rebalancing and annealed-mean decoding.

References are independent: scikit-image for the colour conversion, numpy for the formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.color import rgb2lab

from colorizer_app.defaults import DEFAULT_TEMPERATURE
from colorizer_app.models.bins import (
    GRID,
    SOFT_NEIGHBOURS,
    SOFT_SIGMA,
    annealed_mean,
    bin_histogram,
    gamut_bins,
    rebalance_weights,
    smooth_prior,
    soft_encode,
)


@pytest.fixture(scope="module")
def centres() -> torch.Tensor:
    return gamut_bins()


@pytest.fixture(scope="module")
def centres_np(centres) -> np.ndarray:
    return centres.double().numpy()


def softmax_np(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- the bins ---------------------------------------------------------------------------------

def test_bin_count_and_grid(centres):
    assert centres.ndim == 2 and centres.shape[1] == 2 and centres.dtype == torch.float32
    assert 250 <= centres.shape[0] <= 330
    c = centres.double().numpy()
    assert np.array_equal(c, np.round(c / 10) * 10)  # multiples of 10
    assert GRID == 10.0
    assert len({tuple(x) for x in c}) == len(c)  # no duplicates
    assert any((x == (0.0, 0.0)).all() for x in c)
    # sorted by a, then b
    order = np.lexsort((c[:, 1], c[:, 0]))
    assert (order == np.arange(len(c))).all()
    assert np.abs(c).max() <= 110


def test_bins_are_exactly_the_cells_srgb_colours_occupy(centres_np):
    """Cells hit by a dense sample of 8-bit sRGB colours (converted by scikit-image) are the bins."""
    rng = np.random.default_rng(0)
    levels = np.arange(0, 256, 3, dtype=np.uint8)  # 86^3 lattice, corners included
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    lattice = np.stack((r, g, b), axis=-1).reshape(-1, 3)
    # the cube's surface at full 8-bit resolution: the most saturated colours live there
    full = np.arange(256, dtype=np.uint8)
    u, v = (x.ravel() for x in np.meshgrid(full, full, indexing="ij"))
    faces = []
    for axis in range(3):
        for value in (0, 255):
            f = np.empty((u.size, 3), dtype=np.uint8)
            others = [k for k in range(3) if k != axis]
            f[:, axis], f[:, others[0]], f[:, others[1]] = value, u, v
            faces.append(f)
    random = rng.integers(0, 256, size=(300_000, 3), dtype=np.uint8)
    sample = np.concatenate([lattice, random, *faces])
    ab = rgb2lab(sample[None])[0, :, 1:]
    occupied = {tuple(c) for c in np.unique(np.round(ab / 10).astype(np.int64), axis=0)}
    bins = {tuple(c) for c in np.round(centres_np / 10).astype(np.int64)}

    assert occupied - bins == set(), "cells with sRGB colours but no bin"
    assert bins - occupied == set(), "bins that no sRGB colour falls in"


# --- soft encoding ----------------------------------------------------------------------------

def test_soft_encode_distributions(centres, centres_np):
    gen = torch.Generator().manual_seed(1)
    # ab of real colours, so the nearest bins are the ones that matter
    rgb = torch.rand(2, 5, 7, 3, generator=gen).numpy()
    ab_np = np.stack([rgb2lab(x)[..., 1:] for x in rgb]).transpose(0, 3, 1, 2)  # (2, 2, 5, 7)
    ab = torch.from_numpy(ab_np).float()

    target, nearest = soft_encode(ab, centres)
    q = centres.shape[0]
    assert target.shape == (2, q, 5, 7) and nearest.shape == (2, 5, 7)
    assert torch.allclose(target.sum(dim=1), torch.ones(2, 5, 7), atol=1e-5)
    assert (target >= 0).all()

    flat_ab = ab_np.transpose(0, 2, 3, 1).reshape(-1, 2)
    flat_t = target.permute(0, 2, 3, 1).reshape(-1, q).numpy()
    d2 = ((flat_ab[:, None, :] - centres_np[None]) ** 2).sum(-1)
    order = np.argsort(d2, axis=1)
    for i in range(flat_ab.shape[0]):
        k_near = order[i, :SOFT_NEIGHBOURS]
        support = np.flatnonzero(flat_t[i] > 0)
        assert set(support) == set(k_near)
        w = np.exp(-d2[i, k_near] / (2 * SOFT_SIGMA**2))
        np.testing.assert_allclose(flat_t[i, k_near], w / w.sum(), atol=1e-5)
        # nearer bins get more mass
        assert (np.diff(flat_t[i, k_near]) <= 1e-7).all()
    np.testing.assert_array_equal(nearest.reshape(-1).numpy(), order[:, 0])


def test_soft_encode_on_a_bin_centre(centres):
    i = 17
    ab = centres[i].reshape(1, 2, 1, 1)
    target, nearest = soft_encode(ab, centres)
    assert nearest.item() == i
    assert target[0, :, 0, 0].argmax().item() == i
    assert target[0, i, 0, 0] > 0.5


def test_bin_histogram(centres):
    ab = centres[[3, 3, 5, 200]].T.reshape(1, 2, 2, 2) + 1.0  # slightly off the centres
    counts = bin_histogram(ab, centres)
    assert counts.shape == (centres.shape[0],)
    assert counts.sum() == 4 and counts[3] == 2 and counts[5] == 1 and counts[200] == 1


# --- annealed mean ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def logits(centres) -> torch.Tensor:
    gen = torch.Generator().manual_seed(2)
    return torch.randn(2, centres.shape[0], 3, 4, generator=gen) * 2.0


@pytest.mark.parametrize("t", [0.0, 1e-5])
def test_annealed_mean_cold_is_the_mode(logits, centres, t):
    out = annealed_mean(logits, centres, t)
    assert out.shape == (2, 2, 3, 4)
    mode = centres[logits.argmax(dim=1)].permute(0, 3, 1, 2)
    assert torch.equal(out, mode)


def test_annealed_mean_small_t_approaches_the_mode(centres):
    gen = torch.Generator().manual_seed(3)
    lg = torch.randn(1, centres.shape[0], 2, 2, generator=gen)
    top = lg.argmax(dim=1, keepdim=True)
    lg.scatter_(1, top, lg.gather(1, top) + 1.0)  # a clear winner: softmax at T = 0.01 is one-hot
    mode = centres[lg.argmax(dim=1)].permute(0, 3, 1, 2)
    assert torch.allclose(annealed_mean(lg, centres, 0.01), mode, atol=1e-3)


def test_annealed_mean_t1_is_the_plain_mean(logits, centres, centres_np):
    out = annealed_mean(logits, centres, 1.0).double().numpy()
    p = softmax_np(logits.double().numpy(), axis=1)  # (B, Q, H, W)
    ref = np.einsum("bqhw,qc->bchw", p, centres_np)
    np.testing.assert_allclose(out, ref, atol=1e-3)


def test_annealed_mean_general_t_matches_numpy(logits, centres, centres_np):
    t = DEFAULT_TEMPERATURE
    out = annealed_mean(logits, centres, t).double().numpy()
    p = softmax_np(logits.double().numpy() / t, axis=1)
    np.testing.assert_allclose(out, np.einsum("bqhw,qc->bchw", p, centres_np), atol=1e-3)


def test_annealed_mean_intermediate_t_lies_between_mode_and_mean(centres):
    """Two candidate bins: the annealed mean slides along the segment from the mean to the mode."""
    q = centres.shape[0]
    i, j = 40, 200
    lg = torch.full((1, q, 1, 1), -1e4)
    lg[0, i], lg[0, j] = 1.0, 0.2  # i is the mode
    ci, cj = centres[i].double(), centres[j].double()

    def position(t):  # 1 at the mode, 0 at the other bin
        ab = annealed_mean(lg, centres, t)[0, :, 0, 0].double()
        s = torch.dot(ab - cj, ci - cj) / torch.dot(ci - cj, ci - cj)
        assert torch.allclose(cj + s * (ci - cj), ab, atol=1e-3)  # on the segment
        return s.item()

    at = {t: position(t) for t in (1.0, 0.38, 0.1, 0.0)}
    assert at[1.0] == pytest.approx(1 / (1 + np.exp(-0.8)), abs=1e-4)  # the plain mean
    assert at[0.38] == pytest.approx(1 / (1 + np.exp(-0.8 / 0.38)), abs=1e-4)
    assert at[1.0] < at[0.38] < at[0.1] < at[0.0] == pytest.approx(1.0)


def test_annealed_mean_colder_is_closer_to_the_mode_on_average(logits, centres):
    mode = annealed_mean(logits, centres, 0.0)
    dist = {t: (annealed_mean(logits, centres, t) - mode).norm(dim=1).mean().item()
            for t in (1.0, 0.6, 0.38, 0.1)}
    assert dist[1.0] > dist[0.6] > dist[0.38] > dist[0.1]
    # and it is not a plain mean in disguise
    assert not torch.allclose(annealed_mean(logits, centres, 0.38), annealed_mean(logits, centres, 1.0))


# --- prior and rebalancing --------------------------------------------------------------------

@pytest.fixture(scope="module")
def raw_counts(centres) -> torch.Tensor:
    """A peaked, gappy histogram like real photos: mostly near neutral, empty cells in between."""
    rng = np.random.default_rng(4)
    c = centres.numpy()
    near = np.exp(-(c**2).sum(1) / (2 * 25.0**2))
    counts = rng.poisson(2000 * near) * (rng.random(len(c)) > 0.3)
    counts[np.argmax(near)] += 5000
    return torch.from_numpy(counts.astype(np.float64))


def neighbour_roughness(p: np.ndarray, centres_np: np.ndarray) -> float:
    """Sum of squared differences between bins that are grid neighbours."""
    d = np.abs(centres_np[:, None] - centres_np[None]).sum(-1)
    i, j = np.nonzero(np.isclose(d, 10.0))
    return float(((p[i] - p[j]) ** 2).sum())


def test_smooth_prior(raw_counts, centres, centres_np):
    prior = smooth_prior(raw_counts, centres)
    assert prior.shape == raw_counts.shape and prior.dtype == torch.float32
    assert prior.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert (prior > 0).all()  # empty cells get some mass from their neighbours
    p_raw = (raw_counts / raw_counts.sum()).numpy()
    p = prior.double().numpy()
    assert neighbour_roughness(p, centres_np) < 0.5 * neighbour_roughness(p_raw, centres_np)
    assert p.max() < p_raw.max()
    # the same Gaussian smoothing computed with numpy
    d2 = ((centres_np[:, None] - centres_np[None]) ** 2).sum(-1)
    ref = np.exp(-d2 / (2 * 5.0**2)) @ p_raw
    np.testing.assert_allclose(p, ref / ref.sum(), atol=1e-6)


def test_rebalance_weights(raw_counts, centres):
    prior = smooth_prior(raw_counts, centres)
    w = rebalance_weights(prior, 0.5)
    p = prior.double()
    assert w.shape == prior.shape and (w > 0).all()
    assert (p * w.double()).sum().item() == pytest.approx(1.0, abs=1e-5)
    # rarer bins weigh more: weights strictly decrease as the prior grows
    order = torch.argsort(p)
    ws = w.double()[order]
    ps = p[order]
    assert (ws[1:] <= ws[:-1] * (1 + 1e-6)).all()
    distinct = ps[1:] - ps[:-1] > 1e-4  # differences that matter next to lambda / Q ~ 2e-3
    assert distinct.sum() > 20
    assert (ws[1:][distinct] < ws[:-1][distinct]).all()
    assert w[p.argmin()] > 1.0 > w[p.argmax()]
    # the formula, with numpy
    pn = p.numpy()
    ref = 1.0 / (0.5 * pn + 0.5 / pn.size)
    ref /= (pn * ref).sum()
    np.testing.assert_allclose(w.double().numpy(), ref, rtol=1e-5)


def test_rebalance_lambda_one_is_uniform(raw_counts, centres):
    prior = smooth_prior(raw_counts, centres)
    w = rebalance_weights(prior, 1.0)
    assert torch.allclose(w, torch.ones_like(w), atol=1e-5)


@pytest.mark.parametrize("lam", [0.0, 0.2, 0.5, 0.9])
def test_rebalance_expectation_is_one_for_any_lambda(raw_counts, centres, lam):
    prior = smooth_prior(raw_counts, centres)
    w = rebalance_weights(prior, lam)
    assert (prior.double() * w.double()).sum().item() == pytest.approx(1.0, abs=1e-5)


def test_more_lambda_flattens_weights(raw_counts, centres):
    prior = smooth_prior(raw_counts, centres)
    spread = [rebalance_weights(prior, lam).max() / rebalance_weights(prior, lam).min()
              for lam in (0.1, 0.5, 0.9)]
    assert spread[0] > spread[1] > spread[2] > 1.0
