"""Colourisation quality metrics, as printed by ``colorizer-cli eval``.

PSNR and SSIM measure closeness to the true photo, but a grey (ab = 0) output already scores
well on them, so colourfulness (does the output have colour at all?), the ab-error AuC of
Zhang et al. 2016, mean CIEDE2000 (perceptual colour difference), the wrong-colour rate
(confident false colour) and the colour cast (which way the colours lean) are reported beside them.
Everything is numpy / scikit-image on CPU so results do not depend on the model's device.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

# scikit-image (and the scipy it loads) is imported where a metric is computed, not here: the
# training code imports this module, and the app imports the training code on the GUI thread
# when its Fine-tune dialog first opens (about 0.2 s of imports saved there).

AUC_THRESHOLDS = np.arange(0, 151)  # ab-error thresholds 0..150 (Zhang et al. 2016)
WRONG_AB_ERROR = 30.0  # a pixel's colour is wrong when its ab error exceeds this...
WRONG_CHROMA = 20.0  # ...while the predicted colour is this vivid: a confident false colour
PSNR_CAP = 100.0  # dB given to identical images, so averages over a data set stay finite


def psnr(pred: np.ndarray, true: np.ndarray) -> float:
    """PSNR in dB of uint8 RGB images (peak 255, all channels), capped at ``PSNR_CAP``."""
    mse = np.mean((pred.astype(np.float64) - true.astype(np.float64)) ** 2)
    if mse == 0:
        return PSNR_CAP
    return float(min(PSNR_CAP, 10.0 * math.log10(255.0**2 / mse)))


def lightness_psnr(pred: np.ndarray, true: np.ndarray) -> float:
    """PSNR in dB of two lightness images (L* in [0, 100], peak 100), capped at ``PSNR_CAP``:
    how close a restored photo is to the undamaged one."""
    mse = np.mean((np.asarray(pred, np.float64) - np.asarray(true, np.float64)) ** 2)
    if mse == 0:
        return PSNR_CAP
    return float(min(PSNR_CAP, 10.0 * math.log10(100.0**2 / mse)))


def ssim(pred: np.ndarray, true: np.ndarray) -> float:
    """Mean SSIM of uint8 RGB images; small images (< 7 px a side) get the largest odd window
    that fits, since skimage refuses a window larger than the image. Below 3 px SSIM is
    undefined (a 1-px window has no sample variance), so that raises ValueError."""
    win = min(7, *pred.shape[:2])
    if win < 3:
        raise ValueError(f"SSIM needs images of at least 3x3 pixels, got {pred.shape[:2]}")
    win -= 1 - win % 2  # make it odd
    from skimage.metrics import structural_similarity

    return float(structural_similarity(pred, true, channel_axis=-1, data_range=255, win_size=win))


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk (2003) colourfulness M on 0..255 values; 0 for a grey image."""
    r, g, b = (rgb[..., i].astype(np.float64).ravel() for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def ab_error_auc(pred_lab: np.ndarray, true_lab: np.ndarray, thresholds=AUC_THRESHOLDS) -> float:
    """Zhang et al. 2016 "raw accuracy" AuC: the fraction of pixels whose ab distance is <= t,
    averaged over the thresholds t (area under the curve normalised to [0, 1])."""
    diff = np.asarray(pred_lab, np.float64)[..., 1:] - np.asarray(true_lab, np.float64)[..., 1:]
    dist = np.sort(np.sqrt((diff**2).sum(-1)).ravel())
    # searchsorted(side="right") counts pixels with dist <= t without an (N, T) array.
    within = np.searchsorted(dist, np.asarray(thresholds, dtype=np.float64), side="right")
    return float(np.mean(within / dist.size))


def wrong_colour_rate(pred_lab: np.ndarray, true_lab: np.ndarray) -> float:
    """Share of pixels painted a confident false colour: ab error over WRONG_AB_ERROR while the
    predicted chroma is over WRONG_CHROMA. Gray (ab = 0) scores 0; blotches and casts score high."""
    pred = np.asarray(pred_lab, np.float64)[..., 1:]
    err = np.sqrt(((pred - np.asarray(true_lab, np.float64)[..., 1:]) ** 2).sum(-1))
    chroma = np.sqrt((pred**2).sum(-1))
    return float(np.mean((err > WRONG_AB_ERROR) & (chroma > WRONG_CHROMA)))


def mean_ab_error(pred_lab: np.ndarray, true_lab: np.ndarray) -> float:
    """Mean Euclidean distance of the predicted ab from the truth's, per pixel (Lab units)."""
    diff = np.asarray(pred_lab, np.float64)[..., 1:] - np.asarray(true_lab, np.float64)[..., 1:]
    return float(np.sqrt((diff**2).sum(-1)).mean())


def colour_cast(pred_lab: np.ndarray, true_lab: np.ndarray) -> tuple[float, float]:
    """Mean (a, b) of prediction minus truth: a tint over the whole photo, which the error
    metrics do not show by direction (b < 0 bluer, b > 0 yellower or sepia; a < 0 greener, a > 0
    redder). Gray on a neutral truth scores (0, 0); gray on a warm photo shows a negative b."""
    diff = np.asarray(pred_lab, np.float64)[..., 1:] - np.asarray(true_lab, np.float64)[..., 1:]
    a, b = diff.reshape(-1, 2).mean(0)
    return float(a), float(b)


def ciede2000(pred_lab: np.ndarray, true_lab: np.ndarray) -> float:
    """Mean CIEDE2000 colour difference of two Lab images (perceptual, unlike plain ab error)."""
    from skimage.color import deltaE_ciede2000

    return float(np.mean(deltaE_ciede2000(pred_lab, true_lab, channel_axis=-1)))


@dataclass
class MetricSummary:
    """The figures for one model over a data set (per-image means)."""

    psnr: float
    ssim: float
    colourfulness: float
    colourfulness_true: float
    auc: float
    ciede2000: float
    wrong_colour: float
    cast_a: float
    cast_b: float
    count: int
    ab_error: float = 0.0  # mean distance of each pixel's ab from the truth's, in Lab units

    @property
    def colourfulness_ratio(self) -> float:
        """Output colourfulness as a fraction of the truth's; a desaturated model shows < 1."""
        return self.colourfulness / self.colourfulness_true if self.colourfulness_true else 0.0

    def as_dict(self) -> dict[str, float]:
        """All fields plus ``colourfulness_ratio``, for JSON output and checkpoint metadata."""
        return {**asdict(self), "colourfulness_ratio": self.colourfulness_ratio}


_KEYS = ("psnr", "ssim", "colourfulness", "colourfulness_true", "auc", "ciede2000", "wrong_colour",
         "cast_a", "cast_b", "ab_error")


class MetricAccumulator:
    """Averages per-image metrics over a data set (each image weighs the same)."""

    def __init__(self) -> None:
        self._sums = dict.fromkeys(_KEYS, 0.0)
        self._count = 0

    def add(self, pred_rgb: np.ndarray, true_rgb: np.ndarray) -> MetricSummary:
        """Add one pair of same-size uint8 RGB images (each converted to Lab once); returns the
        pair's own figures."""
        if pred_rgb.shape != true_rgb.shape:
            raise ValueError(f"shape mismatch: {pred_rgb.shape} vs {true_rgb.shape}")
        from skimage.color import rgb2lab

        pred_lab, true_lab = rgb2lab(pred_rgb), rgb2lab(true_rgb)
        cast_a, cast_b = colour_cast(pred_lab, true_lab)
        values = {
            "psnr": psnr(pred_rgb, true_rgb),
            "ssim": ssim(pred_rgb, true_rgb),
            "colourfulness": colourfulness(pred_rgb),
            "colourfulness_true": colourfulness(true_rgb),
            "auc": ab_error_auc(pred_lab, true_lab),
            "ciede2000": ciede2000(pred_lab, true_lab),
            "wrong_colour": wrong_colour_rate(pred_lab, true_lab),
            "cast_a": cast_a,
            "cast_b": cast_b,
            "ab_error": mean_ab_error(pred_lab, true_lab),
        }
        for key, value in values.items():
            self._sums[key] += value
        self._count += 1
        return MetricSummary(**values, count=1)

    def summary(self) -> MetricSummary:
        """Per-image means so far (all zero when nothing was added)."""
        n = max(self._count, 1)
        return MetricSummary(**{k: v / n for k, v in self._sums.items()}, count=self._count)


def format_table(rows: dict[str, MetricSummary]) -> str:
    """A plain-text aligned table, one row per named model (e.g. "grayscale baseline")."""
    header = ["model", "PSNR dB", "SSIM", "colourful", "AuC", "CIEDE2000", "ab error", "wrong colour",
              "cast a, b", "images"]
    body = [
        [
            name,
            f"{s.psnr:.2f}",
            f"{s.ssim:.4f}",
            f"{s.colourfulness:.1f} ({s.colourfulness_ratio:.0%} of truth)",
            f"{s.auc:.4f}",
            f"{s.ciede2000:.2f}",
            f"{s.ab_error:.2f}",
            f"{100 * s.wrong_colour:.2f}%",
            f"{s.cast_a:+.1f}, {s.cast_b:+.1f}",
            str(s.count),
        ]
        for name, s in rows.items()
    ]
    table = [header, *body]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in table
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


CAST_LEGEND = ("cast a, b: the mean shift of the colours from the truth's, in Lab units; "
               "b below 0 is bluer, above 0 yellower (sepia); a below 0 greener, above 0 redder")
