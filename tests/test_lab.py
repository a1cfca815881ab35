"""sRGB <-> CIE Lab in torch, checked against scikit-image as the independent reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from skimage import data
from skimage.color import lab2rgb, rgb2lab

from colorizer_app.imaging import lab as labmod
from colorizer_app.imaging.lab import (
    lab_to_rgb,
    lab_to_uint8,
    lightness_from_uint8,
    rgb_to_lab,
    uint8_to_lab_batch,
)

TOL = 0.01  # L, a, b units


def to_chw(hwc: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(hwc)).permute(2, 0, 1)


def to_hwc(chw: torch.Tensor) -> np.ndarray:
    return chw.permute(1, 2, 0).double().numpy()


@pytest.fixture(scope="module")
def cube() -> np.ndarray:
    """33^3 points over the whole sRGB cube, corners and edges included, as a (33*33, 33, 3) image."""
    lv = np.linspace(0.0, 1.0, 33)
    r, g, b = np.meshgrid(lv, lv, lv, indexing="ij")
    return np.stack((r, g, b), axis=-1).reshape(33 * 33, 33, 3)


def test_cube_includes_corners(cube):
    corners = {tuple(c) for c in cube.reshape(-1, 3) if set(c) <= {0.0, 1.0}}
    assert len(corners) == 8


def test_rgb_to_lab_matches_skimage_on_whole_cube(cube):
    ref = rgb2lab(cube)
    got = to_hwc(rgb_to_lab(to_chw(cube)))
    assert got.shape == ref.shape
    err = np.abs(got - ref).reshape(-1, 3).max(axis=0)
    assert (err < TOL).all(), f"max |error| in L, a, b: {err}"


def test_rgb_to_lab_known_values():
    pts = np.array([[[0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]], dtype=np.float64)
    got = to_hwc(rgb_to_lab(to_chw(pts)))[0]
    assert got[0] == pytest.approx([0, 0, 0], abs=TOL)
    assert got[1] == pytest.approx([100, 0, 0], abs=TOL)
    # pure red, green and blue (D65, sRGB), as skimage gives them
    np.testing.assert_allclose(got[2:], rgb2lab(pts)[0, 2:], atol=TOL)
    assert got[2][1] > 75 and got[3][1] < -75 and got[4][2] < -100


def test_lab_to_rgb_matches_skimage_on_whole_cube(cube):
    lab = rgb2lab(cube)
    got = to_hwc(lab_to_rgb(to_chw(lab)))
    np.testing.assert_allclose(got, lab2rgb(lab), atol=1e-4)
    np.testing.assert_allclose(got, cube, atol=1e-4)


def test_round_trip_in_lab_units(cube):
    lab = rgb_to_lab(to_chw(cube))
    again = rgb_to_lab(lab_to_rgb(lab))
    assert (again - lab).abs().amax(dim=(1, 2)).max() < TOL


def test_lab_to_rgb_clips_like_skimage_out_of_gamut():
    L, a, b = np.meshgrid(np.linspace(0, 100, 11), np.linspace(-128, 127, 16), np.linspace(-128, 127, 16),
                          indexing="ij")
    lab = np.stack((L, a, b), axis=-1).reshape(11 * 16, 16, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skimage warns about negative Z
        ref = lab2rgb(lab)
    got = to_hwc(lab_to_rgb(to_chw(lab)))
    assert got.min() >= 0.0 and got.max() <= 1.0
    np.testing.assert_allclose(got, ref, atol=1e-4)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 7, 1), (2, 2, 3, 3, 4)])
def test_batched_shapes(shape):
    rgb = torch.rand(shape, generator=torch.Generator().manual_seed(0))
    lab = rgb_to_lab(rgb)
    assert lab.shape == rgb.shape and lab.dtype == torch.float32
    back = lab_to_rgb(lab)
    assert back.shape == rgb.shape
    assert torch.allclose(back, rgb, atol=1e-4)
    # each image of the batch converts as it would on its own
    flat_rgb = rgb.reshape(-1, *shape[-3:])
    flat_lab = lab.reshape(-1, *shape[-3:])
    for i in range(flat_rgb.shape[0]):
        ref = rgb2lab(flat_rgb[i].permute(1, 2, 0).double().numpy())
        np.testing.assert_allclose(to_hwc(flat_lab[i]), ref, atol=TOL)


def test_uint8_to_lab_batch():
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, size=(3, 6, 5, 3), dtype=np.uint8)
    got = uint8_to_lab_batch(torch.from_numpy(imgs))
    assert got.shape == (3, 3, 6, 5)
    for i in range(3):
        np.testing.assert_allclose(to_hwc(got[i]), rgb2lab(imgs[i]), atol=TOL)


# --- lightness_from_uint8 ---------------------------------------------------------------------

def test_lightness_gray_all_levels():
    gray = np.arange(256, dtype=np.uint8).reshape(16, 16)
    got = lightness_from_uint8(torch.from_numpy(gray))
    assert got.shape == (1, 16, 16) and got.dtype == torch.float32
    ref = rgb2lab(np.repeat(gray[..., None], 3, axis=2))[..., 0]
    np.testing.assert_allclose(got[0].numpy(), ref, atol=TOL)


def test_lightness_rgb_random():
    rgb = np.random.default_rng(2).integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
    got = lightness_from_uint8(torch.from_numpy(rgb))
    assert got.shape == (1, 37, 53)
    np.testing.assert_allclose(got[0].numpy(), rgb2lab(rgb)[..., 0], atol=TOL)


def test_lightness_large_images_cross_row_stripes():
    """700 x 1000 is several stripes and not a whole number of them: no row is skipped or repeated."""
    h, w = 700, 1000
    rows = max(1, labmod._STRIPE_PIXELS // w)
    assert h > rows and h % rows != 0  # the case this test is about
    rng = np.random.default_rng(3)
    # structured rows (every row differs) so a misplaced stripe would show
    base = rng.integers(0, 256, size=(h, 1, 3), dtype=np.uint8)
    rgb = (base.astype(np.int32) + np.arange(w)[None, :, None] // 7) % 256
    rgb = rgb.astype(np.uint8)

    got = lightness_from_uint8(torch.from_numpy(rgb))[0].numpy()
    np.testing.assert_allclose(got, rgb2lab(rgb)[..., 0], atol=TOL)

    gray = rgb[..., 1].copy()
    got_g = lightness_from_uint8(torch.from_numpy(gray))[0].numpy()
    # skimage's L of each gray level, looked up per pixel
    level_L = rgb2lab(np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2))[0, :, 0]
    np.testing.assert_allclose(got_g, level_L[gray], atol=TOL)


def test_lightness_gray_equals_rgb_with_equal_channels():
    gray = np.random.default_rng(4).integers(0, 256, size=(19, 23), dtype=np.uint8)
    rgb = np.repeat(gray[..., None], 3, axis=2)
    a = lightness_from_uint8(torch.from_numpy(gray))
    b = lightness_from_uint8(torch.from_numpy(rgb))
    assert torch.allclose(a, b, atol=1e-3)


# --- lab_to_uint8 -----------------------------------------------------------------------------

def test_lab_to_uint8_round_trips_astronaut():
    rgb = data.astronaut()
    lab = rgb2lab(rgb).astype(np.float32)
    L = torch.from_numpy(lab[..., 0].copy())[None]
    ab = torch.from_numpy(np.ascontiguousarray(lab[..., 1:].transpose(2, 0, 1)))
    out = lab_to_uint8(L, ab)
    assert out.shape == rgb.shape and out.dtype == torch.uint8
    diff = np.abs(out.numpy().astype(int) - rgb.astype(int))
    assert diff.max() <= 1
    assert (diff == 0).mean() > 0.99


def test_lab_to_uint8_with_module_lightness_round_trips():
    rgb = data.astronaut()[::4, ::4].copy()
    L = lightness_from_uint8(torch.from_numpy(rgb))
    ab = rgb_to_lab(torch.from_numpy(rgb).permute(2, 0, 1).float() / 255.0)[1:]
    out = lab_to_uint8(L, ab).numpy()
    assert np.abs(out.astype(int) - rgb.astype(int)).max() <= 1


def test_lab_to_rgb_clips_out_of_gamut_like_skimage():
    h, w = 4, 6
    L = torch.tensor([-20.0, 0.0, 50.0, 150.0]).reshape(1, h, 1).expand(1, h, w).contiguous()
    a = torch.linspace(-300, 300, w).reshape(1, 1, w).expand(1, h, w)
    b = torch.linspace(300, -300, w).reshape(1, 1, w).expand(1, h, w)
    out = lab_to_rgb(torch.cat((L, a, b))).permute(1, 2, 0).numpy()
    lab = torch.cat((L, a, b)).permute(1, 2, 0).double().numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = lab2rgb(lab)
    assert np.abs(out - ref).max() < 2e-3
    assert out.min() == 0.0 and out.max() > 0.9999


def test_lab_to_uint8_keeps_lightness_of_out_of_gamut_colours():
    """Vivid predictions are desaturated at fixed L*, not clipped per channel (which shifts L*)."""
    g = torch.Generator().manual_seed(0)
    L = torch.rand((1, 64, 64), generator=g) * 100
    ab = torch.randn((2, 64, 64), generator=g) * 80  # mostly far outside the sRGB gamut
    out = lab_to_uint8(L, ab).numpy()
    back = rgb2lab(out)
    assert np.abs(back[..., 0] - L[0].numpy()).max() < 0.5
    # in-gamut colours are left alone: hue direction is kept for the rest
    cos = (back[..., 1] * ab[0].numpy() + back[..., 2] * ab[1].numpy()) / (
        np.hypot(back[..., 1], back[..., 2]) * np.hypot(*ab.numpy()) + 1e-6)
    chromatic = np.hypot(back[..., 1], back[..., 2]) > 10
    assert np.median(cos[chromatic]) > 0.95
    # lightness beyond [0, 100] with neutral ab saturates to black and white
    ends = lab_to_uint8(torch.tensor([[[-20.0, 150.0]]]), torch.zeros(2, 1, 2)).numpy()
    assert (ends[0, 0] == 0).all() and (ends[0, 1] == 255).all()


def test_lab_to_uint8_large_non_multiple_of_stripe():
    h, w = 300, 1001  # 300 rows is not a whole number of 130-row stripes
    assert h % max(1, labmod._STRIPE_PIXELS // w) != 0
    L = torch.linspace(0, 100, h).reshape(1, h, 1).expand(1, h, w).contiguous()
    ab = torch.zeros(2, h, w)
    out = lab_to_uint8(L, ab).numpy()
    gray = out[..., 1].astype(int)
    assert np.abs(out.astype(int) - gray[..., None]).max() <= 1  # neutral: channels equal within rounding
    assert (np.diff(gray[:, 0]) >= 0).all()  # rows stay in order across stripes
    assert (gray == gray[:, :1]).all()


def test_ab_range_covers_srgb(cube):
    ab = rgb2lab(cube)[..., 1:]
    assert np.abs(ab).max() < labmod.AB_RANGE
