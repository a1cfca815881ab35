"""sRGB <-> CIE Lab (D65) in torch, and the one place for colour constants and normalisation.

The matrix, white point and the linear segment of f() follow scikit-image's `skimage.color`
so the two agree to well under 0.01 in L, a and b. Tensors are channel-first: (..., 3, H, W)
for colour, (..., 1, H, W) for L.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

# sRGB (D65) -> CIE XYZ, as in skimage.color.colorconv.xyz_from_rgb.
XYZ_FROM_RGB = (
    (0.412453, 0.357580, 0.180423),
    (0.212671, 0.715160, 0.072169),
    (0.019334, 0.119193, 0.950227),
)
WHITE_D65 = (0.95047, 1.0, 1.08883)
_EPS = 0.008856  # (6/29)^3
_KAPPA = 7.787  # 1 / (3 (6/29)^2)

# Network normalisation: L in [0, 100] -> (L - L_CENTER) / L_SCALE, ab -> ab / AB_SCALE.
# Every checkpoint stores these values; networks read them from their spec.
L_CENTER = 50.0
L_SCALE = 50.0
AB_SCALE = 110.0
AB_RANGE = 110.0  # |a|, |b| of any sRGB colour stays below this


@functools.lru_cache(maxsize=8)
def _rgb_from_xyz(dtype: torch.dtype) -> torch.Tensor:
    return torch.linalg.inv(torch.tensor(XYZ_FROM_RGB, dtype=torch.float64)).to(dtype)


def _f(t: torch.Tensor) -> torch.Tensor:
    return torch.where(t > _EPS, t.clamp_min(_EPS).pow(1.0 / 3.0), _KAPPA * t + 16.0 / 116.0)


def _f_inv(f: torch.Tensor) -> torch.Tensor:
    return torch.where(f > 0.2068966, f.pow(3), (f - 16.0 / 116.0) / _KAPPA)


def srgb_to_linear(c: torch.Tensor) -> torch.Tensor:
    return torch.where(c <= 0.04045, c / 12.92, ((c.clamp_min(0.04045) + 0.055) / 1.055).pow(2.4))


def linear_to_srgb(c: torch.Tensor) -> torch.Tensor:
    return torch.where(
        c <= 0.0031308, 12.92 * c, 1.055 * c.clamp_min(0.0031308).pow(1.0 / 2.4) - 0.055
    )


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1], shape (..., 3, H, W) -> Lab (..., 3, H, W), float32."""
    lin = srgb_to_linear(rgb.float())
    r, g, b = lin.unbind(-3)
    m = XYZ_FROM_RGB
    fx = _f((m[0][0] * r + m[0][1] * g + m[0][2] * b) / WHITE_D65[0])
    fy = _f((m[1][0] * r + m[1][1] * g + m[1][2] * b) / WHITE_D65[1])
    fz = _f((m[2][0] * r + m[2][1] * g + m[2][2] * b) / WHITE_D65[2])
    return torch.stack((116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)), dim=-3)


def lab_to_rgb(lab: torch.Tensor, keep_lightness: bool = False) -> torch.Tensor:
    """Lab (..., 3, H, W) -> sRGB in [0, 1].

    Out-of-gamut colours are clipped per channel (as scikit-image does), or, with
    `keep_lightness`, desaturated in linear light towards the neutral of the same luminance
    until they fit: L* and (nearly) the hue stay as they were, only chroma gives way.
    """
    L, a, b = lab.float().unbind(-3)
    fy = (L + 16.0) / 116.0
    x = _f_inv(fy + a / 500.0) * WHITE_D65[0]
    y = _f_inv(fy) * WHITE_D65[1]
    z = _f_inv((fy - b / 200.0).clamp_min(0.0)) * WHITE_D65[2]
    m = _rgb_from_xyz(torch.float32).tolist()
    lin = torch.stack([m[i][0] * x + m[i][1] * y + m[i][2] * z for i in range(3)], dim=-3)
    if keep_lightness:
        lin = _desaturate_into_gamut(lin, y.clamp(0.0, 1.0).unsqueeze(-3))
    return linear_to_srgb(lin.clamp_(0.0, 1.0)).clamp_(0.0, 1.0)


def _desaturate_into_gamut(lin: torch.Tensor, gray: torch.Tensor) -> torch.Tensor:
    """Move each pixel along the line from its neutral (R = G = B = Y) until every channel fits.

    Y is linear in R, G, B and equal at both ends of the line, so luminance is unchanged.
    """
    d = lin - gray
    over = torch.where(d > 1e-7, (1.0 - gray) / d.clamp_min(1e-7), 1.0)
    under = torch.where(d < -1e-7, gray / (-d).clamp_min(1e-7), 1.0)
    t = torch.minimum(over, under).amin(dim=-3, keepdim=True).clamp_(0.0, 1.0)
    return gray + d * t


# --- full-resolution conversions: numpy, in stripes, shared by a few worker threads ------------
#
# These touch every pixel of a photo (12 million and more), once per result. As torch operations
# they were thousands of small ops, each split over all cores and each waiting for the slowest
# core at its end: when another program held a core, every op waited for it and a batch ran
# 12-22x slower. Here each stripe is one worker's whole job (numpy runs it on that thread alone):
# with `workers` > 1 the stripes are shared out as workers come free, so a busy core slows the
# conversion by its share of the work and no more. Lookup tables replace the per-pixel powers.

_STRIPE_PIXELS = 1 << 16  # 256 KB per float32 plane: its temporaries stay in the core's cache (2x faster than 1 << 18)
_LIN_STEPS = 65535  # linear light is looked up at this resolution (0.02 of a level at worst)


def _row_stripes(h: int, w: int):
    rows = max(1, _STRIPE_PIXELS // max(w, 1))
    for y0 in range(0, h, rows):
        yield y0, min(h, y0 + rows)


@functools.lru_cache(maxsize=1)
def _linear_lut() -> np.ndarray:
    """Linear-light value of each 8-bit sRGB level."""
    return srgb_to_linear(torch.arange(256, dtype=torch.float64) / 255.0).float().numpy()


@functools.lru_cache(maxsize=1)
def _gray_lightness_lut() -> np.ndarray:
    """L* of each 8-bit gray level (R = G = B)."""
    lin = torch.from_numpy(_linear_lut()).double()
    return (116.0 * _f(lin / WHITE_D65[1]) - 16.0).float().numpy()


@functools.lru_cache(maxsize=1)
def _srgb8_lut() -> np.ndarray:
    """The 8-bit sRGB level of linear light q / _LIN_STEPS, for q = 0 .. _LIN_STEPS."""
    lin = torch.arange(_LIN_STEPS + 1, dtype=torch.float64) / _LIN_STEPS
    return linear_to_srgb(lin).mul(255.0).add(0.5).floor().clamp(0, 255).to(torch.uint8).numpy()


@functools.lru_cache(maxsize=1)
def _rgb_from_xyz_white() -> np.ndarray:
    """XYZ -> linear sRGB with the D65 white folded in: lin = M @ (f_inv(fx), f_inv(fy), f_inv(fz))."""
    return (_rgb_from_xyz(torch.float64).numpy() * np.array(WHITE_D65)[None, :]).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="colorizer-pixels")


def _run_stripes(h: int, w: int, job, workers: int) -> None:
    """job(y0, y1) for every stripe: inline for one worker, else shared out over `workers` threads."""
    stripes = list(_row_stripes(h, w))
    if workers <= 1 or len(stripes) == 1:
        for y0, y1 in stripes:
            job(y0, y1)
        return
    for f in [_pool(workers).submit(job, y0, y1) for y0, y1 in stripes]:
        f.result()


def _f_inv_np(f: np.ndarray) -> np.ndarray:
    """The inverse of _f: f^3 above 6/29, the linear segment below (few pixels: fixed by index)."""
    out = f * f
    out *= f
    low = np.flatnonzero(f <= np.float32(0.2068966))
    if low.size:
        flat = f.reshape(-1)
        out.reshape(-1)[low] = (flat[low] - np.float32(16.0 / 116.0)) * np.float32(1.0 / _KAPPA)
    return out


def lightness_from_uint8(img: torch.Tensor, workers: int = 1) -> torch.Tensor:
    """L* of a uint8 image, (H, W) gray or (H, W, 3) RGB -> (1, H, W) float32."""
    pixels = np.ascontiguousarray(img.numpy() if isinstance(img, torch.Tensor) else img)
    h, w = pixels.shape[:2]
    out = np.empty((h, w), dtype=np.float32)
    if pixels.ndim == 2:
        lut = _gray_lightness_lut()
        _run_stripes(h, w, lambda y0, y1: np.take(lut, pixels[y0:y1], out=out[y0:y1]), workers)
        return torch.from_numpy(out)[None]
    lut, m = _linear_lut(), [np.float32(c / WHITE_D65[1]) for c in XYZ_FROM_RGB[1]]

    def stripe(y0: int, y1: int) -> None:
        part = pixels[y0:y1]
        y = np.take(lut, part[..., 0])
        y *= m[0]
        y += np.take(lut, part[..., 1]) * m[1]
        y += np.take(lut, part[..., 2]) * m[2]
        linear = y <= np.float32(_EPS)
        low = y * np.float32(_KAPPA * 116.0)  # 116 (kappa y + 16/116) - 16
        np.cbrt(y, out=y)
        y *= np.float32(116.0)
        y -= np.float32(16.0)
        np.copyto(y, low, where=linear)
        out[y0:y1] = y

    _run_stripes(h, w, stripe, workers)
    return torch.from_numpy(out)[None]


def lab_to_uint8(L: torch.Tensor, ab: torch.Tensor, workers: int = 1) -> torch.Tensor:
    """(1, H, W) L and (2, H, W) ab -> (H, W, 3) uint8 sRGB, stripe by stripe (memory stays small).

    Gamut mapping keeps the photo's own lightness: vivid predictions lose chroma, not detail
    (the same mapping as lab_to_rgb(keep_lightness=True), applied to the pixels outside only).
    """
    h, w = L.shape[-2:]
    Ln = np.ascontiguousarray(L.detach().cpu().float().numpy().reshape(h, w))
    abn = np.ascontiguousarray(ab.detach().cpu().float().numpy().reshape(2, h, w))
    out = np.empty((h, w, 3), dtype=np.uint8)
    m, to8 = _rgb_from_xyz_white(), _srgb8_lut()

    def stripe(y0: int, y1: int) -> None:
        fy = Ln[y0:y1] + np.float32(16.0)
        fy *= np.float32(1.0 / 116.0)
        fx = abn[0, y0:y1] * np.float32(1.0 / 500.0)
        fx += fy
        fz = abn[1, y0:y1] * np.float32(-1.0 / 200.0)
        fz += fy
        np.maximum(fz, 0.0, out=fz)
        x, y, z = _f_inv_np(fx), _f_inv_np(fy), _f_inv_np(fz)
        lin = np.empty((3, *fy.shape), dtype=np.float32)
        for i in range(3):
            np.multiply(x, m[i, 0], out=lin[i])
            lin[i] += y * m[i, 1]
            lin[i] += z * m[i, 2]
        outside = np.flatnonzero((lin.min(axis=0) < 0.0) | (lin.max(axis=0) > 1.0))
        if outside.size:
            flat = lin.reshape(3, -1)
            gray = np.clip(y.reshape(-1)[outside], 0.0, 1.0)
            d = flat[:, outside] - gray
            with np.errstate(divide="ignore", invalid="ignore"):
                over = np.where(d > 1e-7, (1.0 - gray) / d, 1.0)
                under = np.where(d < -1e-7, gray / -d, 1.0)
            t = np.clip(np.minimum(over, under).min(axis=0), 0.0, 1.0)
            flat[:, outside] = gray + d * t
        np.clip(lin, 0.0, 1.0, out=lin)
        lin *= np.float32(_LIN_STEPS)
        lin += np.float32(0.5)
        levels = lin.astype(np.uint16)
        for i in range(3):
            np.take(to8, levels[i], out=out[y0:y1, :, i])

    _run_stripes(h, w, stripe, workers)
    return torch.from_numpy(out)


def uint8_to_lab_batch(rgb: torch.Tensor) -> torch.Tensor:
    """(B, H, W, 3) uint8 -> (B, 3, H, W) Lab float32: the batch conversion used in training."""
    return rgb_to_lab(rgb.permute(0, 3, 1, 2).float().div_(255.0))


def gray_from_lightness(L: torch.Tensor) -> torch.Tensor:
    """L in [0, 100] -> the sRGB value in [0, 1] of the gray of that lightness: what a network
    pretrained on RGB photos saw when it was shown a black-and-white one."""
    return linear_to_srgb(_f_inv((L.float() + 16.0) / 116.0).clamp(0.0, 1.0))


def gray_uint8(L: torch.Tensor, workers: int = 1) -> np.ndarray:
    """The gray uint8 image (H, W) of a lightness (1, H, W): a black-and-white photo of it."""
    zero_ab = torch.zeros((2, 1, 1), dtype=torch.float32).expand(2, *L.shape[-2:])
    return lab_to_uint8(L.float().cpu(), zero_ab, workers)[..., 0].numpy()
