"""sRGB <-> CIE Lab (D65) in torch, and the one place for colour constants and normalisation.

The matrix, white point and the linear segment of f() follow scikit-image's `skimage.color`
so the two agree to well under 0.01 in L, a and b. Tensors are channel-first: (..., 3, H, W)
for colour, (..., 1, H, W) for L.
"""

from __future__ import annotations

import functools

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


_STRIPE_PIXELS = 1 << 17  # cache-sized work units: 3x faster than whole-image ops on 12 MP


def _row_stripes(h: int, w: int):
    rows = max(1, _STRIPE_PIXELS // max(w, 1))
    for y0 in range(0, h, rows):
        yield y0, min(h, y0 + rows)


@functools.lru_cache(maxsize=1)
def _linear_lut() -> torch.Tensor:
    """Linear-light value of each 8-bit sRGB level."""
    return srgb_to_linear(torch.arange(256, dtype=torch.float64) / 255.0).float()


@functools.lru_cache(maxsize=1)
def _gray_lightness_lut() -> torch.Tensor:
    """L* of each 8-bit gray level (R = G = B)."""
    return 116.0 * _f(_linear_lut().double() / WHITE_D65[1]).float() - 16.0


def lightness_from_uint8(img: torch.Tensor) -> torch.Tensor:
    """L* of a uint8 image, (H, W) gray or (H, W, 3) RGB -> (1, H, W) float32."""
    h, w = img.shape[:2]
    out = torch.empty((1, h, w), dtype=torch.float32)
    if img.ndim == 2:
        lut = _gray_lightness_lut()
        for y0, y1 in _row_stripes(h, w):
            out[0, y0:y1] = lut[img[y0:y1].long()]
        return out
    lut, m = _linear_lut(), XYZ_FROM_RGB[1]
    for y0, y1 in _row_stripes(h, w):
        part = img[y0:y1].long()
        y = lut[part[..., 0]].mul_(m[0])
        y.add_(lut[part[..., 1]], alpha=m[1]).add_(lut[part[..., 2]], alpha=m[2])
        out[0, y0:y1] = _f(y.div_(WHITE_D65[1])).mul_(116.0).sub_(16.0)
    return out


def lab_to_uint8(L: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """(1, H, W) L and (2, H, W) ab -> (H, W, 3) uint8 sRGB, in stripes to cap memory.

    Gamut mapping keeps the photo's own lightness: vivid predictions lose chroma, not detail.
    """
    h, w = L.shape[-2:]
    out = torch.empty((h, w, 3), dtype=torch.uint8)
    for y0, y1 in _row_stripes(h, w):
        lab = torch.cat((L[:, y0:y1], ab[:, y0:y1]), dim=0)
        rgb = lab_to_rgb(lab, keep_lightness=True).mul_(255.0).add_(0.5)
        out[y0:y1] = rgb.permute(1, 2, 0).to(torch.uint8)
    return out


def uint8_to_lab_batch(rgb: torch.Tensor) -> torch.Tensor:
    """(B, H, W, 3) uint8 -> (B, 3, H, W) Lab float32: the batch conversion used in training."""
    return rgb_to_lab(rgb.permute(0, 3, 1, 2).float().div_(255.0))
